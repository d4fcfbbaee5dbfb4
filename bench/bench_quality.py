"""Colorization quality on real photos: which target (rgb / lab) and context radius to make the default.

Trains each configuration on photos from ../shared/data/cifar10-jpg/train and reports pooled PSNR over
every pixel of the held-out cifar10-jpg/test photos (gray photos left out), against the gray image, plus
scikit-learn's MLPRegressor on the same 5x5 windows (RGB target) when it is installed.

    python bench/bench_quality.py [--data ../shared/data] [--train-images 1500] [--max-epochs 30]
"""
import argparse
import time
from pathlib import Path

import numpy as np

from colorcore import datasets, report
from colorcore.colorizer import Colorizer
from colorcore.features import decode_output
from colorcore.train import TrainConfig, fit

from _common import machine_line, print_table

CONFIGS = [("rgb", 2), ("lab", 2), ("rgb", 3), ("lab", 3)]


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--train-images", type=int, default=1500, help="training photos drawn (default 1500)")
    parser.add_argument("--max-epochs", type=int, default=30, help="epoch cap per round (default 30)")
    parser.add_argument("--rounds", type=int, default=3, help="learning-rate rounds (default 3)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shipped-only", action="store_true", help="only evaluate the model shipped with colorcore")
    args = parser.parse_args()

    root = args.data / "cifar10-jpg"
    train_all = datasets.load_image_folder(root / "train", skip_gray=True, progress=False)
    test = datasets.load_image_folder(root / "test", skip_gray=True, progress=False)
    rng = np.random.default_rng(args.seed)
    chosen = rng.permutation(len(train_all))[: args.train_images]
    n_val = len(chosen) // 5
    train, val = train_all[chosen[n_val:]], train_all[chosen[:n_val]]
    test_rgb = test / 255.0
    print(f"# {len(train)} train / {len(val)} val photos from {root / 'train'}; {len(test)} test photos from "
          f"{root / 'test'}; {machine_line()}")
    gray = report.quality(report.gray_baseline(test_rgb), test_rgb)
    rows = [("gray image (baseline)", "", f"{gray['psnr']:.2f}", "+0.00", f"{gray['ssim']:.3f}", "0.00", "")]
    for target, radius in [] if args.shipped_only else CONFIGS:
        config = TrainConfig(target=target, radius=radius, max_epochs=args.max_epochs, rounds=args.rounds,
                             seed=args.seed)
        colorizer = Colorizer.new(config.hidden, config.activation, radius, config.padding, target, seed=args.seed)
        X, T = colorizer.training_pairs(train)
        Xv, Tv = colorizer.training_pairs(val)
        start = time.perf_counter()
        result = fit(colorizer.network, X, T, Xv, Tv, config, progress=False)
        seconds = time.perf_counter() - start
        predicted = np.stack([colorizer.predict_gray(colorizer.gray(img)) for img in test_rgb])
        q = report.quality(predicted, test_rgb)
        rows.append((f"colorcore {target}, radius {radius} ({(2 * radius + 1) ** 2} inputs)", len(result.history),
                     f"{q['psnr']:.2f}", f"{q['psnr'] - gray['psnr']:+.2f}", f"{q['ssim']:.3f}",
                     f"{q['colourfulness_ratio']:.2f}", f"{seconds:.0f} s"))
    try:
        from sklearn.neural_network import MLPRegressor
    except ImportError:
        MLPRegressor = None
    if MLPRegressor is not None and not args.shipped_only:
        colorizer = Colorizer.new(target="rgb", radius=2)
        X, T = colorizer.training_pairs(train)
        start = time.perf_counter()
        sk = MLPRegressor(hidden_layer_sizes=(64,), activation="logistic", alpha=1e-4, batch_size=256,
                          max_iter=args.max_epochs, early_stopping=True, random_state=args.seed).fit(X, T)
        seconds = time.perf_counter() - start
        predicted = np.stack([decode_output(colorizer.gray(img),
                                            sk.predict(colorizer.inputs(colorizer.gray(img))), "rgb")
                              for img in test_rgb])
        q = report.quality(predicted, test_rgb)
        rows.append(("scikit-learn MLPRegressor rgb, radius 2", sk.n_iter_, f"{q['psnr']:.2f}",
                     f"{q['psnr'] - gray['psnr']:+.2f}", f"{q['ssim']:.3f}", f"{q['colourfulness_ratio']:.2f}",
                     f"{seconds:.0f} s"))
    shipped = Colorizer.load()
    predicted = np.stack([shipped.predict_gray(shipped.gray(img)) for img in test_rgb])
    q = report.quality(predicted, test_rgb)
    rows.append(("model shipped with colorcore (lab, radius 2)", "", f"{q['psnr']:.2f}",
                 f"{q['psnr'] - gray['psnr']:+.2f}", f"{q['ssim']:.3f}", f"{q['colourfulness_ratio']:.2f}", ""))
    print_table(["model", "epochs", "pooled PSNR dB", "vs gray", "mean SSIM", "colourfulness", "train time"], rows)


if __name__ == "__main__":
    main()
