"""Colorization quality on real photos the models never trained on: the README's quality table.

Test splits (colorcore.datasets.photo_split, as `python -m colorcore.train --images` uses them):
../shared/data/cifar10-jpg/test (32x32) and the fixed 15% of ../shared/data/scenes (150x150); gray photos
are left out. Rows: the gray image, every pixel the mean training chroma, scikit-learn's MLPRegressor on
the original assignment's inputs (25 -> 64 -> RGB, trained here on the same training photos, when scikit-learn is
installed), and each model file given (the shipped model by default) at each vividness asked for.
Figures: pooled PSNR over every pixel and its margin over the gray image, mean SSIM, and the pooled
colourfulness ratio (sum of the predictions' Hasler-Suesstrunk colourfulness over the originals').

    python bench/bench_quality.py [--data ../shared/data] [--model NAME=PATH ...] [--vividness 0 0.25 1]
"""
import argparse
import time
from pathlib import Path

import numpy as np

from colorcore import datasets, report
from colorcore.colorizer import Colorizer

from _common import machine_line, print_table

SETS = ("cifar10-jpg", "scenes")


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--model", action="append", default=[], metavar="NAME=PATH",
                        help="a model file to score (repeatable; default: the shipped model)")
    parser.add_argument("--vividness", type=float, nargs="*", default=[0.0, 1.0],
                        help="vividness values to score ab-bins models at, besides their default (default: 0 1)")
    parser.add_argument("--no-sklearn", action="store_true", help="leave out scikit-learn's MLPRegressor")
    parser.add_argument("--limit", type=int, help="score only the first N test photos of each set (quick look)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    models = [("colorcore shipped model", Colorizer.load())] if not args.model else []
    for item in args.model:
        name, _, path = item.rpartition("=")
        models.append((name or Path(path).stem, Colorizer.load(path)))
    tests, train = {}, []
    for name in SETS:
        train_files, _, test_files = datasets.photo_split(args.data / name)
        tests[name] = [p / 255.0 for p in datasets.load_image_folder(args.data / name, None, True, False, test_files)]
        tests[name] = tests[name][:args.limit] if args.limit else tests[name]
        train += datasets.load_image_folder(args.data / name, None, True, False, train_files)
    print("# test photos: " + ", ".join(f"{name} {len(photos)}" for name, photos in tests.items())
          + f" (gray photos left out); {machine_line()}")
    mean_ab = report.mean_chroma(train)

    scored = []
    for label, model in models:
        settings = [model.vividness]
        if model.target.name == "ab-bins":
            settings += [v for v in args.vividness if v != model.vividness]
        for vividness in settings:
            suffix = "" if vividness is None else f", vividness {vividness:g}" + (
                " (its default)" if vividness == model.vividness else "")
            scored.append((label + suffix, model, vividness))
    if not args.no_sklearn:
        sk_rows = sklearn_rows(train, args.seed)
        if sk_rows:
            scored.append(sk_rows)
    for name, photos in tests.items():
        start = time.perf_counter()
        originals, _ = report.colour_photos(photos)  # the photo loader already left the gray ones out
        baseline = report.baseline_scores(originals, mean_ab)
        gray = baseline["gray_baseline"]["psnr"]
        table = [("gray image", baseline["gray_baseline"]), ("mean training chroma", baseline["mean_chroma_baseline"])]
        table += [(label, report.model_scores(model, originals, vividness)[0]) for label, model, vividness in scored]
        rows = [(label, f"{q['psnr']:.2f}", f"{q['psnr'] - gray:+.2f}", f"{q['ssim']:.3f}",
                 f"{q['colourfulness_ratio']:.2f}") for label, q in table]
        print(f"\n## {name} test split ({len(photos)} photos, {time.perf_counter() - start:.0f} s)\n")
        print_table(["model", "pooled PSNR dB", "vs gray", "mean SSIM", "colourfulness"], rows)


def sklearn_rows(train, seed, pixels_per_image=100):
    """("scikit-learn ...", colorizer, None): MLPRegressor on the original assignment's inputs (5 x 5 window -> 64
    logistic units -> RGB, identity output), trained here on a sample of the same training photos, wrapped
    as a seed colorizer with an identity output layer."""
    try:
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        return None
    from colorcore.nn import MLP

    probe = Colorizer.new(target="rgb", features="window:radius=2")
    X, T = probe.training_pairs(train, pixels_per_image, seed=seed)
    start = time.perf_counter()
    sk = MLPRegressor(hidden_layer_sizes=(64,), activation="logistic", alpha=1e-4, batch_size=256, max_iter=30,
                      early_stopping=True, random_state=seed).fit(X, T)
    seconds = time.perf_counter() - start
    network = MLP([25, 64, 3], hidden="sigmoid", output="identity")
    network.params[...] = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in zip(sk.coefs_, sk.intercepts_)])
    model = Colorizer(network, probe.features, "rgb")
    return (f"scikit-learn MLPRegressor on the original assignment's inputs ({len(X):,} pixels, "
            f"{sk.n_iter_} epochs, {seconds:.0f} s)", model, None)


if __name__ == "__main__":
    main()
