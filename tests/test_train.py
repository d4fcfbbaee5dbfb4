"""`python -m colorcore.train` end to end on a CIFAR archive the test writes, resume, and usage errors."""
import csv
import json

import numpy as np
import pytest

from colorcore.colorizer import Colorizer
from colorcore.training import TrainConfig, fit
from colorcore.nn import MLP
from cifar_fixtures import cifar100_members, write_cifar100_archive

FAST = ["--max-epochs", "3", "--rounds", "2", "--patience", "2", "--hidden", "8", "--batch-size", "64", "--quiet"]

from conftest import run_module


def train(*args, cwd=None):
    return run_module("colorcore.train", *args, cwd=cwd)


@pytest.mark.slow
def test_train_cli_end_to_end_on_a_cifar_archive(tmp_path):
    archive = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")
    run = tmp_path / "run"
    done = train("--data", archive, "--classes", "trees", "-o", run, *FAST)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in run.iterdir()} >= {"model.npz", "history.csv", "validation_curve.png", "test_grid.png",
                                               "metrics.json", "config.json", "checkpoint.json"}
    (scores,) = json.loads((run / "metrics.json").read_text())["test"].values()
    for key in ("model", "gray_baseline", "mean_chroma_baseline"):
        assert set(scores[key]) >= {"mse", "psnr", "ssim", "colourfulness_ratio"}
    with open(run / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert {r["round"] for r in rows} == {"1", "2"}
    assert "PSNR" in done.stdout and "16 cifar-100 images (trees)" in done.stderr
    model = Colorizer.load(run / "model.npz")
    assert model.target.name == "ab-bins" and model.features.width == 283  # the default preset
    model.predict(np.zeros((5, 5)))


@pytest.mark.slow
def test_seed_preset_is_the_original_assignment(tmp_path):
    archive = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")
    done = train("--preset", "seed", "--data", archive, "-o", tmp_path / "run", "--max-epochs", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    model = Colorizer.load(tmp_path / "run" / "model.npz")
    assert model.network.layer_sizes == [25, 64, 3] and model.network.hidden == "sigmoid"
    assert model.network.loss == "squared_error" and model.target.name == "rgb" and model.working_size is None
    recipe = json.loads((tmp_path / "run" / "config.json").read_text())["recipe"]
    assert recipe["schedule"] == {"batch_size": 256, "lr": 1e-3, "lam": 1e-4, "patience": 10, "rounds": 6,
                                  "lr_decay": 10.0, "max_epochs": 2, "seed": 0}


@pytest.mark.slow
def test_image_folders_keep_their_test_photos_apart(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, count in (("train", 24), ("test", 5)):
        (tmp_path / "photos" / split).mkdir(parents=True)
        for i in range(count):
            size = (20 + i % 3 * 7, 16 + i % 2 * 9)  # photos of several sizes
            Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(tmp_path / "photos" / split / f"{i}.png")
    (tmp_path / "photos" / "train" / "broken.png").write_bytes(b"not a png")
    done = train("--images", tmp_path / "photos", "-o", tmp_path / "run", *FAST, "--pixels-per-image", "40")
    assert done.returncode == 0, done.stderr
    assert "warning: skipped" in done.stderr and "UserWarning" not in done.stderr
    assert "photos: " in done.stderr and "/ 5 test" in done.stderr
    scores = json.loads((tmp_path / "run" / "metrics.json").read_text())["test"]["photos"]
    assert scores["model"]["images"] == 5


@pytest.mark.slow
def test_resume_continues_the_remaining_rounds(tmp_path):
    archive = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")
    run = tmp_path / "run"
    first = train("--data", archive, "-o", run, *FAST[:2], "--rounds", "1", *FAST[4:])
    assert first.returncode == 0, first.stderr
    config = json.loads((run / "config.json").read_text())
    config["argv"] = [a if a != "1" else "2" for a in config["argv"]]  # ask for a second round
    (run / "config.json").write_text(json.dumps(config))
    before = len((run / "history.csv").read_text().splitlines())
    refused = train("--resume", run, "--rounds", "5", "--quiet")  # new flags would be silently ignored
    assert refused.returncode == 2 and "give no other options" in refused.stderr
    resumed = train("--resume", run, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert "with its saved settings: --data" in resumed.stderr
    rows = (run / "history.csv").read_text().splitlines()
    assert len(rows) > before and rows[-1].startswith("2,")
    # the folder's model, config and data must agree
    write_cifar100_archive(archive, cifar100_members(seed=5))
    changed = train("--resume", run, "--quiet")
    assert changed.returncode == 2 and "training photos changed" in changed.stderr
    Colorizer.new(hidden=(3,)).save(run / "model.npz")
    swapped = train("--resume", run, "--quiet")
    assert swapped.returncode == 2 and "does not match the run's config.json" in swapped.stderr


def test_fit_follows_the_schedule_and_keeps_the_best_weights():
    rng = np.random.default_rng(0)
    X = rng.random((300, 4)).astype(np.float32)
    T = (X[:, :2] * 0.8 + 0.1).astype(np.float32)
    model = MLP([4, 6, 2], seed=0)
    config = TrainConfig(max_epochs=15, rounds=3, patience=3, batch_size=32)
    result = fit(model, X[:200], T[:200], X[200:], T[200:], config, progress=False)
    lrs = sorted({h["lr"] for h in result.history}, reverse=True)
    assert lrs == pytest.approx([1e-3, 1e-4, 1e-5])
    best = min(h["val_error"] for h in result.history)
    assert result.best_val == best
    diff = model.predict(X[200:]) - T[200:]
    assert np.sum(diff.astype(np.float64) ** 2) / (2 * 100) == pytest.approx(best, rel=1e-5)
    assert result.next_round == 3 and not result.interrupted


def test_ctrl_c_keeps_the_best_model():
    rng = np.random.default_rng(1)
    X, T = rng.random((100, 3)).astype(np.float32), rng.random((100, 1)).astype(np.float32)
    model = MLP([3, 4, 1], seed=0)
    calls = []

    def interrupt(result):
        calls.append(model.params.copy())
        if len(calls) == 2:
            raise KeyboardInterrupt

    result = fit(model, X, T, X, T, TrainConfig(max_epochs=50), progress=False, on_improve=interrupt)
    assert result.interrupted
    np.testing.assert_array_equal(model.params, calls[-1])  # the best weights seen before the interruption


@pytest.mark.parametrize("args, message", [
    (["--hidden", "a,b"], "--hidden must be comma-separated"),
    (["--batch-size", "0"], "batch_size must be an integer of at least 1"),
    (["--target", "hsv"], "unknown target 'hsv'"),
    (["--features", "window+sift"], "unknown feature extractor 'sift'"),
    (["--features", "pyramid:levels=99"], "pyramid levels must be an integer from 1 to 8"),
    (["--preset", "fancy"], "invalid choice"),
    (["--vividness", "2"], "vividness must be a number from 0 to 1"),
    (["--size", "0"], "--size must be at least 1"),
    (["--data", "nowhere.tar.gz", "--no-download"], "no cifar-100-python.tar.gz"),
    (["--resume", "not-a-run"], "not a resumable run folder"),
])
def test_train_cli_bad_usage_exits_2(tmp_path, args, message):
    done = train(*args, "-o", tmp_path / "run", "--quiet", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()  # a failed run leaves no empty run folder behind


def test_flags_override_the_preset_and_the_seed_preset_sees_whole_photos_only():
    from colorcore.cli.train import build_parser, recipe_from_args

    def recipe(*args):
        return recipe_from_args(build_parser().parse_args(list(args)))

    assert recipe().whole_copy and recipe().copies == 2
    assert not recipe("--no-whole-copy").whole_copy and recipe("--copies", "3").copies == 3
    seed = recipe("--preset", "seed")
    assert not seed.augment and not seed.whole_copy and seed.copies == 1
    assert recipe("--preset", "seed", "--whole-copy").whole_copy


def test_a_run_folder_in_use_is_refused_and_stale_temporary_files_go(tmp_path):
    from colorcore.runfolder import run_folder

    run = tmp_path / "run"
    run.mkdir()
    stale = run / ".validation_curve.png.k2j3.part.png"  # what a SIGKILL during a write leaves
    stale.write_bytes(b"half")
    with run_folder(run):
        assert not stale.exists()
        done = train("--data", "nowhere.tar.gz", "--no-download", "-o", run, "--quiet")
        assert done.returncode == 2 and "is in use by another run (pid" in done.stderr
    assert run.exists()  # it was not created by the refused run, nor by this one


def test_a_failed_run_without_o_leaves_no_timestamp_folder(tmp_path):
    done = train("--data", "nowhere.tar.gz", "--no-download", "--quiet", cwd=tmp_path)
    assert done.returncode == 2
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_train_cli_unknown_class_lists_the_valid_ones(tmp_path):
    archive = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")
    done = train("--data", archive, "--classes", "spruce", "-o", tmp_path / "run", "--quiet")
    assert done.returncode == 2 and "valid names: apple, bicycle, maple_tree" in done.stderr


def test_help_explains_the_data_sources():
    done = train("--help")
    assert done.returncode == 0 and "--images" in done.stdout and "--resume" in done.stdout


def test_diverged_training_is_a_one_line_error(capsys):
    from colorcore.cli import common as cli

    def diverging(argv):
        raise FloatingPointError("training diverged (non-finite error) at lr 10; use a smaller lr")

    assert cli.run(diverging) == 2
    assert capsys.readouterr().err == "error: training diverged (non-finite error) at lr 10; use a smaller lr\n"


@pytest.mark.slow
def test_sigkill_during_training_leaves_a_loadable_model_and_a_resumable_folder(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import NEUTRAL_DIR

    archive = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")
    run = tmp_path / "run"
    command = [sys.executable, "-m", "colorcore.train", "--data", str(archive), "-o", str(run), "--max-epochs", "40",
               "--rounds", "2", "--patience", "40", "--hidden", "8", "--batch-size", "16", "--quiet"]
    process = subprocess.Popen(command, cwd=NEUTRAL_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None and not (run / "checkpoint.json").exists():
        time.sleep(0.05)
    time.sleep(0.3)  # somewhere in the middle of the epochs and their saves
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    Colorizer.load(run / "model.npz")  # whatever the kill interrupted, the model on disk is whole
    resumed = train("--resume", run, "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    assert not list(run.glob(".*.part*"))
    Colorizer.load(run / "model.npz")
