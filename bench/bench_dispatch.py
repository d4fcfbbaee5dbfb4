"""The run-time dispatched build against a -march=native build of the same code, on the training and
texture benchmarks, one thread.

The dispatched build is the one `pip install .` makes (portable modules plus AVX2 + FMA variants chosen
at import); the native one is a second checkout built in place for this machine only:

    git worktree add /tmp/native && (cd /tmp/native && COLORCORE_NATIVE=1 python setup.py build_ext --inplace)
    python bench/bench_dispatch.py --native /tmp/native [--dispatched .] [--runs 10]

Each run is a fresh process per build (the two alternate, and swap order every run), timing the best of 5
of each case: a training epoch at 25 -> 64 -> 3 (65,536 rows), 168 -> 128 -> softmax 261 and
256 -> 256 -> softmax 300 (16,384 rows each), batch 256, float32; Efros-Leung synthesis of 96 x 96 from a
64 x 64 brick crop and the fill of a 24 x 24 hole in it (window 15). Printed: for each case the best and
the median over runs for each build, and their ratios (below 1: the dispatched build is faster).
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def time_cases():
    """{case: best of 5 seconds} with whichever colorcore build is first on sys.path."""
    import skimage.data

    import colorcore as cc
    from bench_train import SOFTMAX_FROM, colorcore_epoch, make_data

    cases = {}
    for n_in, hidden, n_out, rows in ((25, 64, 3, 65536), (168, 128, 261, 16384), (256, 256, 300, 16384)):
        X, T = make_data(n_in, n_out, rows)
        head = "softmax " if n_out >= SOFTMAX_FROM else ""
        cases[f"epoch {n_in}-{hidden}-{head}{n_out}"] = colorcore_epoch(X, T, n_in, hidden, n_out, 256, 1)
    brick = skimage.data.brick()
    hole = np.zeros((96, 96), bool)
    hole[36:60, 36:60] = True
    cases["synthesize 96x96 from brick"] = lambda: cc.synthesize(brick[:64, :64], (96, 96), window=15, seed=0)
    cases["fill a 24x24 hole in brick"] = lambda: cc.fill_holes(brick[:96, :96], hole, window=15, seed=0)
    found = {"build": cc.KERNEL_BUILD, "from": str(Path(cc.__file__).parent)}
    for name, run in cases.items():
        run()  # warm up
        found[name] = min(timed(run) for _ in range(5))
    return found


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def one_run(checkout):
    """time_cases() in a fresh process that imports colorcore from checkout (built in place)."""
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    # From a neutral folder, with the editable install's finder (if any) dropped: PYTHONPATH decides.
    code = ("import sys, json; sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]; "
            f"sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_dispatch; "
            "print(json.dumps(bench_dispatch.time_cases()))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd="/")
    if done.returncode != 0:
        sys.exit(f"bench_dispatch: the run with {checkout} failed: {done.stderr.strip().splitlines()[-1]}")
    found = json.loads(done.stdout.splitlines()[-1])
    if Path(found["from"]).resolve() != (Path(checkout) / "colorcore").resolve():
        sys.exit(f"bench_dispatch: wanted colorcore from {checkout} but imported {found['from']}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--native", type=Path, required=True, help="a checkout built with COLORCORE_NATIVE=1 in place")
    parser.add_argument("--dispatched", type=Path, default=ROOT, help="a checkout with the default build in place")
    parser.add_argument("--runs", type=int, default=10, help="processes per build (default: 10)")
    args = parser.parse_args()
    builds = {"dispatched": args.dispatched, "native": args.native}
    runs = {name: [] for name in builds}
    for r in range(args.runs):
        for name in (("dispatched", "native") if r % 2 == 0 else ("native", "dispatched")):
            runs[name].append(one_run(builds[name]))
        print(f"run {r + 1}/{args.runs} done", file=sys.stderr, flush=True)
    kinds = {name: found[0]["build"] for name, found in runs.items()}
    print(f"# dispatched build: kernels {kinds['dispatched']}; native build: kernels {kinds['native']}; "
          f"{args.runs} runs each, one thread\n")
    print("| case | dispatched: best / median | native: best / median | dispatched / native: best | median |")
    print("|---|---|---|---|---|")
    for case in [key for key in runs["native"][0] if key not in ("build", "from")]:
        d = np.array([found[case] for found in runs["dispatched"]])
        n = np.array([found[case] for found in runs["native"]])
        print(f"| {case} | {d.min():.4f} / {np.median(d):.4f} s | {n.min():.4f} / {np.median(n):.4f} s "
              f"| {d.min() / n.min():.3f} | {np.median(d) / np.median(n):.3f} |")


if __name__ == "__main__":
    main()
