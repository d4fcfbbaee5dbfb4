"""Colorizing one 1024x1024 photo with the shipped model: colorcore against its NumPy reference path.

The reference path extracts the features and runs the layers with colorcore/reference.py (one pass over
the working-size image); colorcore runs its Cython kernels, in chunks on parallel threads. Both shrink
the photo, decode and upsample the output the same way. Timings are the best of --repeats runs. --threads adds colorcore on one thread against its
default threads, on an idle machine and with one CPU-bound process per core.

    python bench/bench_colorize.py [--size 1024] [--repeats 3] [--model MODEL] [--threads]
"""
import argparse

import numpy as np
import skimage.data
from PIL import Image

from colorcore.colorizer import Colorizer

from _common import THREAD_HEADER, best_times, machine_line, print_table, thread_rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", help="model file (default: the one shipped with colorcore)")
    parser.add_argument("--threads", action="store_true", help="add 1 thread vs default threads, idle and busy")
    args = parser.parse_args()
    colorizer = Colorizer.load(args.model)
    photo = Image.fromarray(skimage.data.astronaut()).resize((args.size, args.size), Image.Resampling.LANCZOS)
    gray = colorizer.gray(np.asarray(photo) / 255.0)
    seconds = best_times({"colorcore": lambda: colorizer.predict_gray(gray),
                          "reference": lambda: colorizer.predict_gray(gray, use_reference=True)}, args.repeats)
    fast, slow = seconds["colorcore"], seconds["reference"]
    agree = np.abs(colorizer.predict_gray(gray) - colorizer.predict_gray(gray, use_reference=True)).max()
    print(f"# colorize {args.size}x{args.size} astronaut (gray), {colorizer!r}; {machine_line()}")
    print_table(["implementation", "seconds", "megapixels/s", "vs NumPy reference"],
                [("colorcore", f"{fast:.3f}", f"{args.size ** 2 / fast / 1e6:.1f}", f"{slow / fast:.1f}x"),
                 ("NumPy reference", f"{slow:.3f}", f"{args.size ** 2 / slow / 1e6:.1f}", "1.0x")])
    print(f"largest difference between the two outputs: {agree:.2e}")
    if args.threads:
        print("\n## colorcore on 1 thread and on its default threads\n")
        case = f"colorize {args.size}x{args.size}"
        print_table(THREAD_HEADER, thread_rows({case: lambda: colorizer.predict_gray(gray)}, max(args.repeats, 5)))


if __name__ == "__main__":
    main()
