"""Whole folders: the mirrored tree, the manifest, bad files, resuming after a kill, and the same bytes from
one process, several and a Dask cluster."""
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from colorcore.batch import colorize_folder, read_manifest

from conftest import NEUTRAL_DIR


def photo_tree(root, count=4):
    """root/ with photos at two depths, a corrupt image and a text file."""
    rng = np.random.default_rng(0)
    (root / "1950s" / "beach").mkdir(parents=True)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (24 + i, 30, 3), dtype=np.uint8)).save(root / f"{i}.jpg")
        Image.fromarray(rng.integers(0, 256, (20, 16 + i), dtype=np.uint8)).save(root / "1950s" / "beach" / f"{i}.png")
    (root / "1950s" / "broken.png").write_bytes(b"not a png")
    (root / "notes.txt").write_text("scanned in 2026")
    return root


def test_a_tree_is_mirrored_with_a_manifest_and_bad_files_reported(tmp_path):
    photos = photo_tree(tmp_path / "in")
    summary = colorize_folder(photos, tmp_path / "out", recursive=True, workers=1, progress=False)
    assert (summary["done"], summary["failed"], summary["ignored"], summary["skipped"]) == (8, 1, 1, 0)
    out = np.asarray(Image.open(tmp_path / "out" / "1950s" / "beach" / "2.png"))
    assert out.shape == (20, 18, 3)
    assert (tmp_path / "out" / "3.jpg").exists() and not (tmp_path / "out" / "notes.txt").exists()
    records = read_manifest(tmp_path / "out" / "manifest.jsonl")
    assert records["1950s/broken.png"]["status"] == "failed" and "not a readable image" in records["1950s/broken.png"]["error"]
    assert records["0.jpg"] == {**records["0.jpg"], "output": "0.jpg", "width": 30, "height": 24, "status": "done"}
    again = colorize_folder(photos, tmp_path / "out", recursive=True, workers=1, progress=False)
    assert (again["done"], again["skipped"], again["failed"]) == (0, 8, 1)  # only the bad file is tried again
    flat = colorize_folder(photos, tmp_path / "flat", output_format="png", workers=1, progress=False)
    assert flat["done"] == 4 and (tmp_path / "flat" / "0.png").exists()


def test_files_nobody_colorized_are_not_replaced_unasked(tmp_path):
    photos = photo_tree(tmp_path / "in")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "1.jpg").write_bytes(b"the user's own file")
    with pytest.raises(ValueError, match="no earlier run of this job wrote it"):
        colorize_folder(photos, tmp_path / "out", workers=1, progress=False)
    assert (tmp_path / "out" / "1.jpg").read_bytes() == b"the user's own file"
    with pytest.raises(ValueError, match="inside the input folder"):
        colorize_folder(photos, photos / "out", recursive=True, progress=False)


def test_one_worker_many_workers_and_dask_write_the_same_bytes(tmp_path):
    photos = photo_tree(tmp_path / "in", count=3)
    runs = {"one": dict(workers=1), "two": dict(workers=2)}
    try:
        import distributed  # noqa: F401
        runs["dask"] = dict(dask="local", workers=2)
    except ImportError:
        pass
    for name, options in runs.items():
        summary = colorize_folder(photos, tmp_path / name, recursive=True, progress=False, **options)
        assert summary["done"] == 6 and summary["failed"] == 1, name
    files = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.suffix != ".jsonl"
                   and p.is_file())
    for name in runs:
        for file in files:
            assert (tmp_path / name / file).read_bytes() == (tmp_path / "one" / file).read_bytes(), (name, file)
    if "dask" not in runs:
        pytest.skip("Dask is not installed: checked one and two worker processes only")


def test_a_killed_run_resumes_without_redoing_or_half_written_files(tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / "in").mkdir()
    for i in range(60):
        Image.fromarray(rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)).save(tmp_path / "in" / f"{i:02d}.png")
    command = [sys.executable, "-m", "colorcore", "colorize", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
               "--workers", "1", "--quiet"]
    run = subprocess.Popen(command, cwd=NEUTRAL_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifest = tmp_path / "out" / "manifest.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        if manifest.exists() and manifest.read_text().count('"done"') >= 5:
            break
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    done_before = {k for k, r in read_manifest(manifest).items() if r["status"] == "done"}
    assert 5 <= len(done_before) < 60
    for path in (tmp_path / "out").glob("*.png"):
        assert Image.open(path).size == (160, 120)  # every output there is whole
    resumed = subprocess.run(command, cwd=NEUTRAL_DIR, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{60 - len(done_before)}, {len(done_before)} done before, 0 failed" in resumed.stdout
    assert not list((tmp_path / "out").glob(".*part*"))
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    finished = [r["input"] for r in records if r["status"] == "done"]
    assert sorted(set(finished)) == sorted(p.name for p in (tmp_path / "in").iterdir())
    assert len(finished) == 60  # none colorized twice
