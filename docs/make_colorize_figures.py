"""Regenerate the README's colorization pictures: gray | seed preset | colorcore default | vividness 1 |
original, for scikit-image's full-size astronaut, coffee and chelsea and for test photos of both splits.

    python docs/make_colorize_figures.py --seed-model runs/seed/model.npz [--model MODEL] [--data ../shared/data]

writes docs/colorize_photos.jpg (the scikit-image photos, colorized at full size, shown 256 pixels high)
and docs/colorize_test_photos.jpg (test photos the models never saw, CIFAR ones shown 3x larger).
"""
import argparse
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image

from colorcore import datasets
from colorcore.colorizer import Colorizer
from colorcore.images import to_uint8
from colorcore.io import write_image
from colorcore.report import gray_baseline

HERE = Path(__file__).resolve().parent
GAP = 4  # white pixels between panels


def shown(panel, height):
    image = Image.fromarray(to_uint8(panel))
    width = round(image.width * height / image.height)
    resample = Image.Resampling.NEAREST if height > image.height else Image.Resampling.LANCZOS
    return np.asarray(image.resize((width, height), resample))


def row(photo, seed_model, model, height):
    panels = [gray_baseline(photo), seed_model.predict(photo), model.predict(photo), model.predict(photo, 1.0), photo]
    panels = [shown(p, height) for p in panels]
    return np.concatenate([np.pad(p, ((0, 0), (0, GAP), (0, 0)), constant_values=255) for p in panels], 1)[:, :-GAP]


def stack(rows):
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, GAP), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(padded, axis=0)[:-GAP]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed-model", type=Path, required=True, help="a model trained with --preset seed")
    parser.add_argument("--model", type=Path, help="the default model (default: the shipped one)")
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args()
    seed_model, model = Colorizer.load(args.seed_model), Colorizer.load(args.model)

    photos = [getattr(skimage.data, name)() / 255.0 for name in ("astronaut", "coffee", "chelsea")]
    write_image(HERE / "colorize_photos.jpg", stack([row(p, seed_model, model, 256) for p in photos]))

    rows = []
    for name, count, height in (("scenes", 6, 150), ("cifar10-jpg", 6, 96)):
        _, _, test = datasets.photo_split(args.data / name)
        chosen = [test[i] for i in np.linspace(0, len(test) - 1, 4 * count).astype(int)]
        loaded = datasets.load_image_folder(args.data / name, None, True, False, chosen)[:count]
        rows += [row(p / 255.0, seed_model, model, height) for p in loaded]
    write_image(HERE / "colorize_test_photos.jpg", stack(rows))


if __name__ == "__main__":
    main()
