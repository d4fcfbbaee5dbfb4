"""Colour hints on real photos: the Zhang et al. (2017) curve, and the solver's speed.

Curve: for k = 0, 1, 2, 5, 10, 20, 50, 100 random 3x3 patches per photo whose true chroma (the patch's
mean a*, b*) is given as a hint, pooled PSNR over the test split of ../shared/data/cifar10-jpg (32x32) and
../shared/data/scenes (150x150), gray photos left out, for: the gray image, the hints alone (Levin et al.
propagation), the network alone (the shipped model) and the network with the hints (colorize(hints=...)).
The patches are drawn with a fixed random seed per photo, the same for every method.

    python bench/bench_hints.py curve [--limit N] [--split test|val]
    python bench/bench_hints.py choose-share [--limit N]      # PRIOR_SHARE on the validation photos
    python bench/bench_hints.py speed                         # solver time and peak memory by size
"""
import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np
from skimage import color, data, transform

from colorcore import datasets, hints, propagate, report
from colorcore.colorizer import Colorizer
from colorcore.features import chroma_to_rgb

from _common import busy_machine, machine_line, print_table

SETS = ("cifar10-jpg", "scenes")
HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)


class Photo:
    """One test photo with what every method needs: its gray, true chroma and the network's chroma."""

    def __init__(self, rgb, model, index):
        self.rgb = rgb
        self.gray = model.gray(rgb)
        self.ab = color.rgb2lab(rgb)[..., 1:]
        self.network = model.predict_chroma(self.gray)
        self.index = index
        self.weights = model.gray_weights

    def hints(self, count):
        return report.random_hint_patches(self.ab, count, np.random.default_rng([self.index, count]))

    def rgb_from(self, chroma):
        return chroma_to_rgb(self.gray, chroma, self.weights)


def load_photos(data_dir, name, split, limit, model):
    train_files, val_files, test_files = datasets.photo_split(data_dir / name)
    files = test_files if split == "test" else val_files
    photos = [p / 255.0 for p in datasets.load_image_folder(data_dir / name, None, True, False, files)]
    photos = photos[:limit] if limit else photos
    return [Photo(p, model, i) for i, p in enumerate(photos)]


def pooled_psnr(predicted, photos):
    return report.quality(predicted, [p.rgb for p in photos])["psnr"]


def hints_alone(photo, count):
    if count == 0:
        return np.zeros_like(photo.ab)
    known, chroma = photo.hints(count)
    return propagate.propagate(photo.gray, known, chroma)


def network_and_hints(photo, count, share=hints.PRIOR_SHARE):
    if count == 0:
        return photo.network
    return hints.combine(photo.gray, *photo.hints(count), photo.network, share)


def with_data_term(photo, count, strength):
    """The other way to use the network as a prior: a data term of this strength (per pixel of a 150x150
    photo, scaled by the photo's size) pulling towards its chroma."""
    known, chroma = photo.hints(count)
    return propagate.propagate(photo.gray, known, chroma, photo.network, strength * 150 * 150 / photo.gray.size)


def curve(args, model):
    for name in SETS:
        photos = load_photos(args.data, name, args.split, args.limit, model)
        gray = pooled_psnr([report.gray_baseline(p.rgb) for p in photos], photos)
        network = pooled_psnr([p.rgb_from(p.network) for p in photos], photos)
        rows = []
        for count in HINT_COUNTS:
            start = time.perf_counter()
            alone = pooled_psnr([p.rgb_from(hints_alone(p, count)) for p in photos], photos)
            both = pooled_psnr([p.rgb_from(network_and_hints(p, count)) for p in photos], photos)
            rows.append((count, f"{gray:.2f}", f"{alone:.2f} ({alone - gray:+.2f})",
                         f"{network:.2f} ({network - gray:+.2f})", f"{both:.2f} ({both - gray:+.2f})",
                         f"{time.perf_counter() - start:.0f}"))
        print(f"\n{name}, {args.split} split, {len(photos)} photos: pooled PSNR dB (margin over the gray image)\n")
        print_table(["hints k", "gray image", "hints alone (Levin)", "network alone", "network + hints", "s"], rows)


def choose_share(args, model):
    shares = (0.25, 0.5, 0.6, 0.75, 1.0)
    strengths = (0.01, 0.1)
    for name in SETS:
        photos = load_photos(args.data, name, "val", args.limit, model)
        gray = pooled_psnr([report.gray_baseline(p.rgb) for p in photos], photos)
        network = pooled_psnr([p.rgb_from(p.network) for p in photos], photos)
        rows = []
        for count in (1, 5, 20, 100):
            alone = pooled_psnr([p.rgb_from(hints_alone(p, count)) for p in photos], photos)
            cells = [pooled_psnr([p.rgb_from(network_and_hints(p, count, s)) for p in photos], photos) - gray
                     for s in shares]
            cells += [pooled_psnr([p.rgb_from(with_data_term(p, count, s)) for p in photos], photos) - gray
                      for s in strengths]
            rows.append([count, f"{alone - gray:+.2f}"] + [f"{c:+.2f}" for c in cells])
        print(f"\n{name}, validation split, {len(photos)} photos: margin over the gray image, dB "
              f"(the network alone: {network - gray:+.2f})\n")
        print_table(["hints k", "hints alone"] + [f"share {s:g}" for s in shares]
                    + [f"data term {s:g}" for s in strengths], rows)


def speed(args):
    rgb = data.astronaut() / 255.0
    rows = []
    for busy in (False, True):
        for side in (256, 512, 1024):
            photo = transform.resize(rgb, (side, side), anti_aliasing=True)
            gray, ab = photo @ np.array([0.299, 0.587, 0.114]), color.rgb2lab(photo)[..., 1:]
            for count in (10, 1000):
                known, chroma = report.random_hint_patches(ab, count, np.random.default_rng(count))
                for label, prior in (("hints alone", None), ("with the network's chroma", ab * 0.5)):
                    def solve():
                        if prior is None:
                            return propagate.propagate(gray, known, chroma)
                        return hints.combine(gray, known, chroma, prior)
                    with busy_machine() if busy else _nothing():
                        seconds = sorted(_timed(solve) for _ in range(3))[1 if busy else 0]
                    tracemalloc.start()
                    solve()
                    peak = tracemalloc.get_traced_memory()[1]
                    tracemalloc.stop()
                    rows.append((f"{side}x{side}", count, label, "busy" if busy else "idle", f"{seconds:.2f}",
                                 f"{peak / 2**20:.0f}", f"{peak / side**2:.0f}"))
    print_table(["photo", "hints", "solve", "machine", "seconds", "peak MiB", "bytes/pixel"], rows)
    if args.peer:
        from scipy.sparse.linalg import spsolve

        peer_rows = []
        for side in (256, 512):
            photo = transform.resize(rgb, (side, side), anti_aliasing=True)
            gray, ab = photo @ np.array([0.299, 0.587, 0.114]), color.rgb2lab(photo)[..., 1:]
            known, chroma = report.random_hint_patches(ab, 100, np.random.default_rng(0))
            ours = min(_timed(lambda: propagate.propagate(gray, known, chroma)) for _ in range(3))
            theirs = _timed(lambda: superlu_solve(gray, known, chroma, spsolve))
            peer_rows.append((f"{side}x{side}", 100, f"{ours:.2f}", f"{theirs:.2f}", f"{theirs / ours:.1f}"))
        print("\nAgainst the usual Python route: the same system built as a scipy.sparse matrix and solved with "
              "scipy.sparse.linalg.spsolve (SuperLU), one call per channel\n")
        print_table(["photo", "hints", "colorcore s", "SciPy SuperLU s", "speed-up"], peer_rows)


def superlu_solve(gray, known, chroma, spsolve):
    from scipy import sparse

    from colorcore import reference

    weights, degree = propagate.affinities(gray)
    matrix = (sparse.diags(degree.ravel()) - reference.affinity_matrix(weights)).tocsr()
    free = ~known.ravel()
    values = chroma.reshape(-1, 2).copy()
    rhs = -(matrix[free][:, ~free] @ values[~free])
    unknowns = matrix[free][:, free].tocsc()
    for c in range(2):
        values[free, c] = spsolve(unknowns, rhs[:, c])
    return values


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("curve", "choose-share", "speed"))
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped model)")
    parser.add_argument("--split", choices=("test", "val"), default="test")
    parser.add_argument("--limit", type=int, help="only the first N photos of each set (quick look)")
    parser.add_argument("--peer", action="store_true", help="speed: also time SciPy's SuperLU on the same system")
    args = parser.parse_args()
    print(f"# {machine_line()}")
    if args.what == "speed":
        speed(args)
    elif args.what == "curve":
        curve(args, Colorizer.load(args.model))
    else:
        choose_share(args, Colorizer.load(args.model))


if __name__ == "__main__":
    main()
