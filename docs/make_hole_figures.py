"""The README's picture of an object removed from a photo.

    python docs/make_hole_figures.py

docs/hole_fill_photo.jpg: scikit-image's astronaut (512 x 512) with the space-shuttle model masked out
(a 110 x 262 rectangle), filled by colorcore's default (the fast coarse-to-fine path), OpenCV's Telea
inpainting (if installed) and scikit-image's biharmonic inpainting. Prints each method's time.
"""
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from skimage import data
from skimage.restoration import inpaint_biharmonic

import colorcore as cc

HERE = Path(__file__).resolve().parent


def main():
    photo = data.astronaut()
    hole = np.zeros(photo.shape[:2], bool)
    hole[0:262, 352:462] = True
    methods = {"colorcore (default)": lambda: cc.fill_holes(photo, hole, seed=0)}
    try:
        import cv2
        methods["OpenCV Telea"] = lambda: cv2.inpaint(photo, hole.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    except ImportError:
        pass
    methods["scikit-image biharmonic"] = lambda: (inpaint_biharmonic(photo, hole, channel_axis=-1) * 255
                                                   ).round().astype(np.uint8)
    shown = [("photo", photo), ("hole", np.where(hole[:, :, None], [255, 0, 255], photo).astype(np.uint8))]
    for name, fill in methods.items():
        start = time.perf_counter()
        filled = fill()
        seconds = time.perf_counter() - start
        print(f"{name}: {seconds:.2f} s")
        shown.append((f"{name}, {seconds:.2f} s", filled))
    tiles = []
    for label, image in shown:
        crop = Image.fromarray(np.ascontiguousarray(image[:320, 272:512]))
        canvas = Image.new("RGB", (crop.width, crop.height + 16), "white")
        canvas.paste(crop, (0, 16))
        ImageDraw.Draw(canvas).text((3, 2), label, fill="black", font=ImageFont.load_default())
        tiles.append(np.asarray(canvas))
        tiles.append(np.full((crop.height + 16, 4, 3), 255, np.uint8))
    Image.fromarray(np.hstack(tiles[:-1])).save(HERE / "hole_fill_photo.jpg", quality=90)


if __name__ == "__main__":
    main()
