"""The README's pictures of colour hints and colour transfer.

    python docs/make_hints_figures.py [--data ../shared/data]

- docs/scribbles_coffee.png: a scribble file as a user would paint it (strokes on a transparent layer over
  scikit-image's coffee photo; drawn here with PIL at positions picked by looking at the photo).
- docs/hints_scribbles.jpg: the gray photo, the scribbles over it, the network alone, the network with the
  scribbles, the scribbles alone (Levin), the original.
- docs/hints_photos.jpg: test photos from ../shared/data/scenes: gray, network, 10 random true-colour 3x3
  hints alone, network + the same hints, original.
- docs/transfer.jpg: a gray photo, the reference photo, "reinhard" and "match" transfers.
"""
import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from skimage import color, data

import colorcore as cc
from colorcore import datasets, hints, propagate, report
from colorcore.colorizer import Colorizer
from colorcore.features import chroma_to_rgb

HERE = Path(__file__).resolve().parent

# (colour, width, points) of each stroke, on the 600x400 coffee photo
STROKES = [
    ((165, 35, 30), 9, [(110, 300), (190, 348), (320, 372), (440, 335), (470, 285)]),  # the red saucer
    ((165, 35, 30), 7, [(210, 230), (300, 255), (380, 225)]),                          # the red cup
    ((205, 125, 55), 7, [(245, 112), (300, 122), (335, 108)]),                         # the crema
    ((240, 240, 236), 5, [(190, 70), (260, 45), (360, 52)]),                           # the white rim
    ((185, 185, 185), 5, [(352, 150), (345, 205), (338, 262)]),                        # the spoon
    ((140, 85, 45), 11, [(15, 25), (120, 12)]),                                        # the wooden table
    ((140, 85, 45), 11, [(530, 40), (585, 190)]),
    ((140, 85, 45), 11, [(510, 392), (590, 300)]),
    ((140, 85, 45), 11, [(15, 385), (45, 250)]),
]


def scribble_layer(shape):
    layer = Image.new("RGBA", (shape[1], shape[0]), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for rgb, width, points in STROKES:
        draw.line(points, fill=rgb + (255,), width=width, joint="curve")
    return layer


def gray_rgb(photo):
    gray = np.asarray(Image.fromarray(photo).convert("L"))
    return np.repeat(gray[..., None], 3, axis=2)


def labelled_row(images, labels, height):
    from PIL import ImageFont

    tiles = []
    for image, label in zip(images, labels):
        tile = Image.fromarray(image).resize((round(image.shape[1] * height / image.shape[0]), height))
        canvas = Image.new("RGB", (tile.width, height + 18), "white")
        canvas.paste(tile, (0, 18))
        ImageDraw.Draw(canvas).text((4, 3), label, fill="black", font=ImageFont.load_default())
        tiles.append(np.asarray(canvas))
    gap = np.full((height + 18, 4, 3), 255, np.uint8)
    return np.hstack([part for tile in tiles for part in (tile, gap)][:-1])


def scribble_figure(model):
    photo = data.coffee()
    layer = scribble_layer(photo.shape)
    layer.save(HERE / "scribbles_coffee.png")
    gray = gray_rgb(photo)
    over = Image.fromarray(gray).convert("RGBA")
    over.alpha_composite(layer)
    row = [gray, np.asarray(over.convert("RGB")), cc.colorize(gray, model),
           cc.colorize(gray, model, hints=layer), cc.propagate_hints(gray, layer), photo]
    labels = ["gray input", "scribbles (docs/scribbles_coffee.png)", "network alone", "network + scribbles",
              "scribbles alone (Levin)", "original"]
    top, bottom = labelled_row(row[:3], labels[:3], 200), labelled_row(row[3:], labels[3:], 200)
    width = max(top.shape[1], bottom.shape[1])
    figure = np.vstack([np.pad(part, [(0, 6), (0, width - part.shape[1]), (0, 0)], constant_values=255)
                        for part in (top, bottom)])
    Image.fromarray(figure).save(HERE / "hints_scribbles.jpg", quality=90)


def photos_figure(model, data_dir, count=6, n_hints=10):
    _, _, test_files = datasets.photo_split(data_dir / "scenes")
    photos = datasets.load_image_folder(data_dir / "scenes", None, True, False, test_files[::97][:count])
    rows = []
    for index, photo in enumerate(photos):
        rgb = photo / 255.0
        gray = model.gray(rgb)
        ab = color.rgb2lab(rgb)[..., 1:]
        known, chroma = report.random_hint_patches(ab, n_hints, np.random.default_rng(index))
        network = model.predict_chroma(gray)
        shown = [gray, network, propagate.propagate(gray, known, chroma),
                 hints.combine(gray, known, chroma, network)]
        tiles = [np.repeat(gray[..., None], 3, axis=2)] + [chroma_to_rgb(gray, c) for c in shown[1:]] + [rgb]
        marked = tiles[2].copy()
        marked[known] = [1, 1, 0]  # where the hints are, in yellow
        tiles.insert(3, marked)
        rows.append(labelled_row([(t * 255).round().astype(np.uint8) for t in tiles],
                                 ["gray", "network", "hints alone", "(hint places)", "network + hints", "original"],
                                 150))
    Image.fromarray(np.vstack(rows)).save(HERE / "hints_photos.jpg", quality=90)


def transfer_figure():
    photo, ref = data.coffee(), data.chelsea()
    gray = gray_rgb(photo)
    row = [gray, ref, cc.transfer_colors(gray, ref, "reinhard"), cc.transfer_colors(gray, ref, "match"), photo]
    Image.fromarray(labelled_row(row, ["gray input", "reference photo", "reinhard", "match", "original"], 160)
                    ).save(HERE / "transfer.jpg", quality=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    args = parser.parse_args()
    model = Colorizer.load()
    scribble_figure(model)
    photos_figure(model, args.data)
    transfer_figure()


if __name__ == "__main__":
    main()
