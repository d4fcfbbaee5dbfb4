"""The original assignment's whole training run, timed: 400 training images (32 x 32), a 25-64-3 sigmoid RGB network,
Adam, early stopping after 10 epochs without validation gain, six rounds of lr / 10.

The 600 images are real photos from ../shared/data/cifar10-jpg/train (CIFAR-100 is not available here);
split 400 / 100 / 100 as the seed did. Prints epochs, wall time and the test PSNR against gray.

    python bench/bench_seed_schedule.py [--data ../shared/data] [--batch-size 256]
"""
import argparse
import time
from pathlib import Path

import numpy as np

from colorcore import datasets, report
from colorcore.colorizer import Colorizer
from colorcore.presets import preset
from colorcore.training import TrainConfig, fit

from _common import machine_line


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=here.parent.parent / "shared" / "data")
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    args = parser.parse_args()
    photos = datasets.load_image_folder(args.data / "cifar10-jpg" / "train", progress=False)
    images = photos[np.random.default_rng(0).permutation(len(photos))[:600]]
    train, val, test = (images[i] for i in datasets.split(600, seed=0))
    seed = preset("seed")  # 25 -> 64 sigmoid -> RGB, every pixel, the six-round schedule
    config = TrainConfig(batch_size=args.batch_size)
    colorizer = Colorizer.new(seed.hidden, seed.activation, seed.features, seed.target, seed.working_size, seed=0)
    X, T = colorizer.training_pairs(train)
    Xv, Tv = colorizer.training_pairs(val)
    start = time.perf_counter()
    result = fit(colorizer.network, X, T, Xv, Tv, config, progress=False)
    seconds = time.perf_counter() - start
    test_rgb = test / 255.0
    predicted = np.stack([colorizer.predict_gray(colorizer.gray(img)) for img in test_rgb])
    gain = report.quality(predicted, test_rgb)["psnr"] - report.quality(report.gray_baseline(test_rgb), test_rgb)["psnr"]
    rounds = sorted({h["round"] for h in result.history})
    print(f"# seed schedule: {len(train)} train / {len(val)} val / {len(test)} test images, {X.shape[0]:,} samples "
          f"per epoch, batch {args.batch_size}; {machine_line()}")
    print(f"{len(result.history)} epochs over {len(rounds)} rounds in {seconds:.1f} s "
          f"({seconds / len(result.history):.2f} s per epoch incl. validation); "
          f"best validation error {result.best_val:.6f}; test PSNR {gain:+.2f} dB vs gray")


if __name__ == "__main__":
    main()
