"""Colorizing a whole folder: files per second for one process, N worker processes and a 2-worker Dask
LocalCluster (when Dask is installed), on the photos of ../shared/data/scenes.

    python bench/bench_batch.py [--data ../shared/data] [--limit N] [--workers N]

Each configuration writes into a fresh temporary output folder; the figures are from one run each
(resuming is not timed). The first files of each run include starting the workers and loading the model.
"""
import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from colorcore.batch import colorize_folder

from _common import machine_line, print_table


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, help="only the first N photos (sorted by path)")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    source = args.data / "scenes"
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        photos = sorted(p for p in source.rglob("*") if p.suffix.lower() in (".jpg", ".png"))[:args.limit]
        inputs = tmp / "in"
        for photo in photos:  # a flat copy of the chosen photos, so every configuration reads the same ones
            target = inputs / photo.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(photo, target)
        configurations = [("1 process", dict(workers=1)), (f"{args.workers} processes", dict(workers=args.workers))]
        try:
            import distributed  # noqa: F401
            configurations.append(("Dask LocalCluster, 2 workers", dict(dask="local", workers=2)))
        except ImportError:
            print("(Dask is not installed: its row is left out)")
        rows = []
        for label, options in configurations:
            start = time.perf_counter()
            summary = colorize_folder(inputs, tmp / label.replace(" ", "_"), recursive=True, progress=False, **options)
            seconds = time.perf_counter() - start
            rows.append((label, summary["done"], f"{seconds:.1f}", f"{summary['done'] / seconds:.1f}"))
        print(f"# {len(photos)} photos from {source}; {machine_line()}")
        print_table(["how", "files", "seconds", "files/s"], rows)


if __name__ == "__main__":
    main()
