"""The command-line entry points: `colorcore COMMAND`, `python -m colorcore COMMAND`, and the API they
must not shadow."""
import importlib
import pkgutil
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import colorcore as cc

from conftest import run_module


def test_importing_any_module_never_replaces_an_api_function():
    for module in pkgutil.walk_packages(cc.__path__, "colorcore."):
        if module.name != "colorcore.__main__":  # running it is the command line itself
            importlib.import_module(module.name)
    for name in cc.__all__:
        assert not isinstance(getattr(cc, name), types.ModuleType), f"colorcore.{name} became a module"
    assert callable(cc.colorize) and callable(cc.synthesize) and callable(cc.fill_holes)


def test_python_m_colorcore_lists_and_dispatches_the_commands(tmp_path):
    listing = run_module("colorcore", "--help")
    assert listing.returncode == 0
    for command in ("train", "colorize", "inpaint", "synthesize"):
        assert command in listing.stdout
    bare = run_module("colorcore")
    assert bare.returncode == 2 and "usage: colorcore COMMAND" in bare.stderr
    unknown = run_module("colorcore", "paint")
    assert unknown.returncode == 2 and "unknown command 'paint'" in unknown.stderr
    help_text = run_module("colorcore", "colorize", "--help")
    assert help_text.returncode == 0 and "usage: colorcore colorize" in help_text.stdout
    bad = run_module("colorcore", "synthesize", "missing.png", "--size", "8", "-o", tmp_path / "x.png")
    assert bad.returncode == 2 and "no such file" in bad.stderr and "Traceback" not in bad.stderr


def test_the_console_script_is_installed_beside_python():
    script = shutil.which("colorcore", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("colorcore is not installed in this environment (pip install . adds the command)")
    done = subprocess.run([script, "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"colorcore {cc.__version__}"


def test_a_source_folder_without_built_kernels_says_how_to_install(tmp_path):
    source = Path(cc.__file__).parent
    shutil.copytree(source, tmp_path / "colorcore", ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    # -S: no site-packages, so neither an installed colorcore nor an editable install can stand in for it
    done = subprocess.run([sys.executable, "-S", "-c", "import colorcore"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 1
    assert "pip install -e ." in done.stderr.splitlines()[-1]


def test_progress_written_to_a_log_is_lines_not_redraws(tmp_path):
    import numpy as np
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((12, 16), 40 * i, np.uint8)).save(tmp_path / f"{i}.png")
    done = run_module("colorcore", "colorize", *(tmp_path / f"{i}.png" for i in range(3)), "-o", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr and "colorizing: 100%" in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("colorizing")]
    assert 1 <= len(lines) <= 3


def test_every_public_function_and_class_is_documented_in_numpydoc_form():
    import inspect

    from colorcore import batch

    public = {name: getattr(cc, name) for name in cc.__all__ if name != "__version__"}
    public["batch.colorize_folder"] = batch.colorize_folder
    for name, thing in public.items():
        doc = inspect.getdoc(thing) or ""
        assert "Parameters\n----------" in doc, f"{name}: no numpydoc Parameters section"
        if not inspect.isclass(thing):
            assert "Returns\n-------" in doc, f"{name}: no numpydoc Returns section"
        else:
            for method, member in inspect.getmembers(thing, inspect.isfunction):
                if not method.startswith("_"):
                    assert inspect.getdoc(member), f"{name}.{method} has no docstring"
