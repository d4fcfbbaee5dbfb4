"""Efros-Leung synthesis and hole filling, colorcore's kernel against its own NumPy reference, in one run.

Cases (scikit-image's bundled images, window 15):
  (a) synthesize 96x96 from a 64x64 crop of brick.png
  (b) fill a 24x24 hole in the centre of a 96x96 crop of brick.png
  (c) synthesize 48x48 from a 64x64 colour crop of coffee.png
Printed: milliseconds per filled pixel for each implementation and the speed-up. --threads adds the
colorcore kernel on one thread against its default threads, on an idle machine and with one CPU-bound
process per core (started and stopped by the benchmark).

    python bench/bench_texture.py [--cases a b c] [--repeats 1] [--threads]
"""
import argparse

import numpy as np
import skimage.data

import colorcore as cc

from _common import THREAD_HEADER, best_times, machine_line, print_table, thread_rows


def cases():
    brick = skimage.data.brick()
    coffee = skimage.data.coffee()
    hole = np.zeros((96, 96), bool)
    hole[36:60, 36:60] = True
    return {
        "a": ("synthesize 96x96 from brick 64x64 (gray)", 96 * 96 - cc.texture.SEED_SIZE ** 2,
              lambda ref: cc.synthesize(brick[:64, :64], (96, 96), window=15, seed=0, use_reference=ref)),
        "b": ("fill 24x24 hole in brick 96x96 (gray)", int(hole.sum()),
              lambda ref: cc.fill_holes(brick[:96, :96], hole, window=15, seed=0, use_reference=ref)),
        "c": ("synthesize 48x48 from coffee 64x64 (RGB)", 48 * 48 - cc.texture.SEED_SIZE ** 2,
              lambda ref: cc.synthesize(coffee[100:164, 200:264], (48, 48), window=15, seed=0, use_reference=ref)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=["a", "b", "c"], default=["a", "b", "c"])
    parser.add_argument("--repeats", type=int, default=1, help="runs per implementation; the best is kept")
    parser.add_argument("--threads", action="store_true", help="add 1 thread vs default threads, idle and busy")
    parser.add_argument("--thread-repeats", type=int, default=5, help="runs per row of --threads (default: 5)")
    args = parser.parse_args()
    print(f"# Efros-Leung, window 15; {machine_line()}")
    rows = []
    all_cases = cases()
    for key in args.cases:
        title, n_pixels, run = all_cases[key]
        seconds = best_times({"colorcore": lambda run=run: run(False), "reference": lambda run=run: run(True)},
                             args.repeats)
        fast, slow = seconds["colorcore"], seconds["reference"]
        rows.append((f"({key}) {title}", n_pixels, f"{fast * 1e3 / n_pixels:.4f}", f"{slow * 1e3 / n_pixels:.3f}",
                     f"{slow / fast:.1f}x", f"{fast:.2f} s"))
    print_table(["case", "pixels", "colorcore ms/px", "NumPy reference ms/px", "speed-up", "colorcore total"], rows)
    if args.threads:
        print("\n## colorcore on 1 thread and on its default threads\n")
        runs = {f"({key}) {all_cases[key][0]}": lambda run=all_cases[key][2]: run(False) for key in args.cases}
        print_table(THREAD_HEADER, thread_rows(runs, args.thread_repeats))


if __name__ == "__main__":
    main()
