"""Efros-Leung synthesis and hole filling, colorcore's kernel against its own NumPy reference, in one run.

Cases (scikit-image's bundled images, window 15):
  (a) synthesize 96x96 from a 64x64 crop of brick.png
  (b) fill a 24x24 hole in the centre of a 96x96 crop of brick.png
  (c) synthesize 48x48 from a 64x64 colour crop of coffee.png
Printed: milliseconds per filled pixel for each implementation and the speed-up. --threads adds the
colorcore kernel on one thread against its default threads, on an idle machine and with one CPU-bound
process per core (started and stopped by the benchmark).

    python bench/bench_texture.py [--cases a b c] [--repeats 1] [--threads]

--holes: photo-scale hole filling. (1) A 64x64 hole in a 512x512 and a 128x128 hole in a 1024x1024 copy
of scikit-image's astronaut (over the suit, the helmet and the background): time, peak memory
(tracemalloc: what NumPy allocates; OpenCV's own buffers are not seen) and PSNR in the hole against the
original, for colorcore's default (the fast path), OpenCV's Telea inpainting and scikit-image's
biharmonic inpainting where installed. (2) The fast path against the exact method on --photos test
photos of ../shared/data/scenes (150x150) with square holes of 32, 40 and 48 pixels at the centre, window
--compare-window (9: with window 15 a 150-pixel photo is too small for the fast path to use a coarser
copy, and both methods are the same): PSNR in the hole, and the texture error of the filled pixels, each
filled pixel's neighbourhood (Gaussian-weighted) against its best match among the photo's fully known
windows, the matcher's own measure of how well the fill resembles the rest of the photo (mean over pixels).
With --threads, (1)'s colorcore fills also run on one thread and on the default threads, idle and busy.
(3) Ctrl-C: the 1024x1024 fill in a child process, interrupted at five points; how long it took to stop.

    python bench/bench_texture.py --holes [--threads] [--photos 20] [--photo-offset 0] [--compare-window 9]
"""
import argparse
import signal
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import skimage.data
from skimage import transform

import colorcore as cc

from _common import THREAD_HEADER, best_times, machine_line, print_table, thread_rows


def cases():
    brick = skimage.data.brick()
    coffee = skimage.data.coffee()
    hole = np.zeros((96, 96), bool)
    hole[36:60, 36:60] = True
    return {
        "a": ("synthesize 96x96 from brick 64x64 (gray)", 96 * 96 - cc.texture.STARTING_PATCH ** 2,
              lambda ref: cc.synthesize(brick[:64, :64], (96, 96), window=15, seed=0, use_reference=ref)),
        "b": ("fill 24x24 hole in brick 96x96 (gray)", int(hole.sum()),
              lambda ref: cc.fill_holes(brick[:96, :96], hole, window=15, seed=0, use_reference=ref)),
        "c": ("synthesize 48x48 from coffee 64x64 (RGB)", 48 * 48 - cc.texture.STARTING_PATCH ** 2,
              lambda ref: cc.synthesize(coffee[100:164, 200:264], (48, 48), window=15, seed=0, use_reference=ref)),
    }


def hole_psnr(filled, original, hole):
    diff = filled[hole].astype(np.float64) - original[hole].astype(np.float64)
    return 10 * np.log10(255.0 ** 2 / max(np.mean(diff ** 2), 1e-12))


def peers():
    """{name: fill(image uint8, hole bool)} for the inpainting peers that are installed."""
    found = {}
    try:
        import cv2
        found["OpenCV Telea (radius 3)"] = lambda image, hole: cv2.inpaint(image, hole.astype(np.uint8), 3,
                                                                         cv2.INPAINT_TELEA)
    except ImportError:
        pass
    from skimage.restoration import inpaint_biharmonic
    found["scikit-image biharmonic"] = lambda image, hole: (inpaint_biharmonic(
        image, hole, channel_axis=-1) * 255).round().astype(np.uint8)
    return found


def texture_error(filled, hole, window=15):
    """Mean over the hole's pixels of their window's best-match error among the fully known windows."""
    from colorcore import _ssd
    from colorcore.texture import DTYPE, fully_known_windows, gaussian_window

    half = window // 2
    planes = np.ascontiguousarray(filled.transpose(2, 0, 1) / 255.0, dtype=DTYPE)
    usable = fully_known_windows(hole, window)
    g = gaussian_window(window)
    rows, cols = (a.ravel().astype(np.intp) for a in np.indices((window, window)))
    weights = (g.ravel() / (g.sum() * planes.shape[0])).astype(DTYPE)
    errors = np.empty((usable.shape[0], planes.shape[2]), DTYPE)
    found = []
    for y, x in zip(*np.nonzero(hole)):
        if half <= y < hole.shape[0] - half and half <= x < hole.shape[1] - half:
            template = np.ascontiguousarray(planes[:, y - half:y + half + 1, x - half:x + half + 1].reshape(
                planes.shape[0], -1).T)
            _ssd.masked_ssd(planes, window, rows, cols, weights, template, errors)
            found.append(errors[:, :usable.shape[1]][usable].min())
    return float(np.mean(found))


def astronaut_case(side, size):
    """(image, hole): scikit-image's astronaut resized to side x side, a size x size hole over the helmet,
    the suit and the background."""
    resized = transform.resize(skimage.data.astronaut(), (side, side), anti_aliasing=True)
    image = (resized * 255).round().astype(np.uint8)
    hole = np.zeros((side, side), bool)
    top, left = side * 2 // 5, side * 3 // 5
    hole[top:top + size, left:left + size] = True
    return image, hole


# A fill in a child process that Ctrl-C (SIGINT) stops: it says "ready" just before filling.
INTERRUPTED_FILL = """
import sys
sys.path.insert(0, {bench!r})
import colorcore as cc
from bench_texture import astronaut_case
image, hole = astronaut_case({side}, {size})
print("ready", flush=True)
try:
    cc.fill_holes(image, hole, seed=0)
except KeyboardInterrupt:
    sys.exit(130)
"""


def interrupt_rows(side, size, delays):
    """Rows (delay, seconds from Ctrl-C to the child's exit, its exit status) for a fill interrupted
    `delay` seconds after it started."""
    code = INTERRUPTED_FILL.format(bench=str(Path(__file__).resolve().parent), side=side, size=size)
    rows = []
    for delay in delays:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        child.stdout.readline()
        time.sleep(delay)
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        status = child.wait()
        answered = time.perf_counter() - sent
        rows.append((f"{delay:.2f}", f"{answered:.3f}" if status == 130 else "(the fill had finished)", status))
    return rows


def holes(args):
    rows = []
    fills = {}
    for side, size in ((512, 64), (1024, 128)):
        image, hole = astronaut_case(side, size)
        methods = {"colorcore fast (default)": lambda image, hole: cc.fill_holes(image, hole, seed=0)}
        fills[f"{size}x{size} hole in {side}x{side}"] = lambda image=image, hole=hole: cc.fill_holes(
            image, hole, seed=0)
        methods.update(peers())
        for name, fill in methods.items():
            tracemalloc.start()
            start = time.perf_counter()
            filled = fill(image, hole)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rows.append((f"{size}x{size} hole in {side}x{side}", name, f"{seconds:.2f}", f"{peak / 2**20:.0f}",
                         f"{hole_psnr(filled, image, hole):.2f}"))
    print_table(["case", "method", "seconds", "peak MiB", "hole PSNR dB"], rows)
    if args.threads:
        print("\n## colorcore's fill on 1 thread and on its default threads\n")
        print_table(THREAD_HEADER, thread_rows(fills, args.thread_repeats))
    print("\n## Ctrl-C during the 128x128 fill in 1024x1024 (a child process, SIGINT after the delay)\n")
    print_table(["seconds into the fill", "seconds until it stopped", "exit status"],
                interrupt_rows(1024, 128, (0.25, 0.75, 1.25, 1.75, 2.25)))

    from colorcore import datasets

    _, _, test_files = datasets.photo_split(args.data / "scenes")
    picked = test_files[args.photo_offset::max(1, len(test_files) // args.photos)][:args.photos]
    photos = datasets.load_image_folder(args.data / "scenes", None, False, False, picked)
    rows = []
    window = args.compare_window
    for size in (32, 40, 48):
        scores = {"exact": [], "fast": []}
        for photo in photos:
            hole = np.zeros(photo.shape[:2], bool)
            top, left = (photo.shape[0] - size) // 2, (photo.shape[1] - size) // 2
            hole[top:top + size, left:left + size] = True
            for method in scores:
                start = time.perf_counter()
                filled = cc.fill_holes(photo, hole, window=window, seed=0, method=method)
                seconds = time.perf_counter() - start
                scores[method].append((hole_psnr(filled, photo, hole), texture_error(filled, hole, window), seconds))
        # the fast path's PSNR minus the exact method's, photo by photo: mean and its standard error
        gain = np.array(scores["fast"])[:, 0] - np.array(scores["exact"])[:, 0]
        paired = f"{np.mean(gain):+.2f} +- {np.std(gain, ddof=1) / np.sqrt(gain.size):.2f}"
        for method, found in scores.items():
            psnr, error, seconds = np.array(found).T
            rows.append((f"{size}x{size}", method, f"{np.mean(psnr):.2f}", f"{np.median(psnr):.2f}",
                         paired if method == "fast" else "", f"{np.mean(error):.5f}", f"{np.sum(seconds):.1f}"))
    print(f"\n{len(photos)} scene test photos (150x150), hole at the centre, window {window}\n")
    print_table(["hole", "method", "mean hole PSNR dB", "median", "fast - exact, per photo (mean +- s.e.)",
                 "mean texture error", "seconds, all photos"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", choices=["a", "b", "c"], default=["a", "b", "c"])
    parser.add_argument("--repeats", type=int, default=1, help="runs per implementation; the best is kept")
    parser.add_argument("--threads", action="store_true", help="add 1 thread vs default threads, idle and busy")
    parser.add_argument("--thread-repeats", type=int, default=5, help="runs per row of --threads (default: 5)")
    parser.add_argument("--holes", action="store_true", help="photo-scale hole filling instead (see above)")
    parser.add_argument("--photos", type=int, default=20, help="--holes: scene photos compared with the exact method")
    parser.add_argument("--photo-offset", type=int, default=0,
                        help="--holes: start the evenly spaced pick of test photos here (another set of photos)")
    parser.add_argument("--compare-window", type=int, default=9, help="--holes: window of that comparison")
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    args = parser.parse_args()
    if args.holes:
        print(f"# hole filling at photo scale, window 15; {machine_line()}")
        holes(args)
        return
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
