"""Colorizing one photo (1024x1024 by default) with the shipped model: colorcore against its NumPy reference path.

The reference path extracts the features and runs the layers with colorcore/reference.py (one pass over
the working-size image); colorcore runs its Cython kernels, in chunks on parallel threads. Both shrink
the photo, decode and upsample the output the same way. Timings are the best of --repeats runs; the
peak memory is tracemalloc's over one more colorcore run. --threads adds colorcore on one thread against
its default threads, on an idle machine and with one CPU-bound process per core.

    python bench/bench_colorize.py [--size 1024 | --size 4000x3000] [--repeats 3] [--model MODEL] [--threads]
"""
import argparse
import tracemalloc

import numpy as np
import skimage.data
from PIL import Image

from colorcore.cli.common import parse_size
from colorcore.colorizer import Colorizer

from _common import THREAD_HEADER, best_times, machine_line, print_table, thread_rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=parse_size, default=(1024, 1024), help="N (square) or WIDTHxHEIGHT")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", help="model file (default: the one shipped with colorcore)")
    parser.add_argument("--threads", action="store_true", help="add 1 thread vs default threads, idle and busy")
    args = parser.parse_args()
    colorizer = Colorizer.load(args.model)
    height, width = args.size
    photo = Image.fromarray(skimage.data.astronaut()).resize((width, height), Image.Resampling.LANCZOS)
    gray = colorizer.gray(np.asarray(photo) / 255.0)
    seconds = best_times({"colorcore": lambda: colorizer.predict_gray(gray),
                          "reference": lambda: colorizer.predict_gray(gray, use_reference=True)}, args.repeats)
    fast, slow = seconds["colorcore"], seconds["reference"]
    tracemalloc.start()
    out = colorizer.predict_gray(gray)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    agree = np.abs(out - colorizer.predict_gray(gray, use_reference=True)).max()
    pixels = width * height
    print(f"# colorize {width}x{height} astronaut (gray), {colorizer!r}; {machine_line()}")
    print_table(["implementation", "seconds", "megapixels/s", "vs NumPy reference"],
                [("colorcore", f"{fast:.3f}", f"{pixels / fast / 1e6:.1f}", f"{slow / fast:.1f}x"),
                 ("NumPy reference", f"{slow:.3f}", f"{pixels / slow / 1e6:.1f}", "1.0x")])
    print(f"largest difference between the two outputs: {agree:.2e}")
    print(f"colorcore's peak memory: {peak / 2**20:.0f} MiB, {peak / pixels:.0f} bytes per pixel "
          f"(the RGB output, 24 bytes per pixel, included)")
    if args.threads:
        print("\n## colorcore on 1 thread and on its default threads\n")
        case = f"colorize {width}x{height}"
        print_table(THREAD_HEADER, thread_rows({case: lambda: colorizer.predict_gray(gray)}, max(args.repeats, 5)))


if __name__ == "__main__":
    main()
