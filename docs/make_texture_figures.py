"""Regenerate the README's texture figures from scikit-image's sample images with colorcore.

    python docs/make_texture_figures.py      # writes docs/texture_fill.png and docs/texture_synthesis.png
"""
from pathlib import Path

import numpy as np
import skimage.data

import colorcore as cc
from colorcore.io import write_image

HERE = Path(__file__).resolve().parent
GAP = 4  # white pixels between panels


def side_by_side(*panels):
    height = max(p.shape[0] for p in panels)
    padded = [np.pad(p, ((0, height - p.shape[0]), (0, GAP), (0, 0)), constant_values=255) for p in panels]
    return np.concatenate(padded, axis=1)[:, :-GAP]


def rgb(gray):
    return np.repeat(gray[:, :, None], 3, axis=2)


def main():
    brick = skimage.data.brick()[:96, :96]
    hole = np.zeros(brick.shape, bool)
    hole[36:60, 36:60] = True
    before = rgb(brick)
    before[hole] = (220, 40, 40)  # the hole, shown in red
    after = rgb(cc.fill_holes(brick, hole, window=15, seed=0))
    write_image(HERE / "texture_fill.png", side_by_side(before, after))

    sample = skimage.data.coffee()[100:164, 200:264]
    texture = cc.synthesize(sample, (96, 96), window=15, seed=0)
    grass = skimage.data.grass()[:64, :64]
    grass_big = cc.synthesize(grass, (96, 96), window=15, seed=0)
    write_image(HERE / "texture_synthesis.png",
                side_by_side(sample, texture, rgb(grass), rgb(grass_big)))
    print(f"wrote {HERE / 'texture_fill.png'} and {HERE / 'texture_synthesis.png'}")


if __name__ == "__main__":
    main()
