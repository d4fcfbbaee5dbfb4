"""Shared test settings: hypothesis profiles, tolerances per dtype, the real-photo data folder."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

# Kernel vs NumPy twin: float32 sums are reassociated by the compiler, so they differ in the last bits.
TOLERANCE = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}

# Where command-line tests run `python -m colorcore...`: not the checkout root, whose colorcore/ source folder
# (without built kernels) would shadow the installed package.
NEUTRAL_DIR = Path(__file__).resolve().parent


def run_module(module, *args, cwd=None):
    """`python -m module args...` in a subprocess, from NEUTRAL_DIR unless cwd is given; output captured."""
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or NEUTRAL_DIR)

SHARED_DATA = Path(os.environ.get("COLORCORE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


@pytest.fixture
def shared_data():
    """../shared/data beside the checkout; tests that need real photos skip cleanly without it."""
    if not (SHARED_DATA / "cifar10-jpg").is_dir():
        pytest.skip(f"real-photo data not found at {SHARED_DATA}")
    return SHARED_DATA
