"""The kernel build in use: portable modules, with AVX2 + FMA variants chosen at import on CPUs that have
them (colorcore/_dispatch.py), and the baseline build still usable."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import colorcore as cc
from colorcore import _dispatch

from conftest import NEUTRAL_DIR

EPOCH = """
import numpy as np, colorcore as cc
net = cc.MLP([25, 16, 3], dtype="float32", seed=0)
X = np.random.default_rng(0).random((512, 25), dtype=np.float32)
T = np.random.default_rng(1).random((512, 3), dtype=np.float32)
cc.train_epoch(net, cc.Adam(net), X, T, batch_size=64, lam=1e-4, rng=0)
print(cc.KERNEL_BUILD, *net.params[:5])
"""


def test_the_kernels_in_use_match_the_cpu():
    assert cc.KERNEL_BUILD in ("avx2-fma", "baseline", "as-built")
    dense = sys.modules["colorcore._dense"]
    if cc.KERNEL_BUILD == "avx2-fma":
        assert _dispatch.cpu_has_avx2_fma() and dense.__name__ == "colorcore._avx2_dense"
        for name in _dispatch.AVX2_KERNELS:
            assert getattr(cc, f"_{name}").__name__ == f"colorcore._avx2_{name}"
    else:
        assert dense.__name__ == "colorcore._dense"


def test_the_baseline_build_gives_the_same_training_to_rounding():
    runs = {}
    for choice in ("", "baseline"):
        env = dict(os.environ, COLORCORE_KERNELS=choice)
        done = subprocess.run([sys.executable, "-c", EPOCH], capture_output=True, text=True, cwd=NEUTRAL_DIR, env=env)
        assert done.returncode == 0, done.stderr
        build, *values = done.stdout.split()
        runs[choice] = (build, np.array(values, dtype=np.float64))
    assert runs["baseline"][0] == "baseline"
    np.testing.assert_allclose(runs[""][1], runs["baseline"][1], rtol=1e-4, atol=1e-6)


def test_a_development_install_runs_from_the_checkout_root():
    """After `pip install -e .`, the checkout's colorcore/ is the package, so commands work from its root."""
    root = Path(__file__).resolve().parents[1]
    if Path(cc.__file__).resolve().parent != root / "colorcore":
        pytest.skip("colorcore is not installed in development mode from this checkout (pip install -e .)")
    for command in (["-m", "colorcore", "--version"], ["-m", "colorcore.train", "--help"]):
        done = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=root)
        assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:")
