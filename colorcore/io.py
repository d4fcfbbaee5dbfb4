"""Reading and writing files safely: images through Pillow's decompression-bomb guard, every output
through a temporary name and a rename so that nothing is ever half-written."""
import contextlib
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


class ImageReadError(ValueError):
    """An image file that is missing, unreadable, corrupt, or too large to open safely."""


def read_image(path, mode=None):
    """Load an image file as a uint8 array: (H, W) for gray, (H, W, C) otherwise.

    mode: None keeps L, RGB and RGBA as they are (other modes become RGB or RGBA); "L", "RGB" or "RGBA"
    converts. Raises ImageReadError with the path and the reason.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on decompression bombs; make the warning an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                if mode is None:
                    mode = img.mode if img.mode in ("L", "RGB", "RGBA") else (
                        "RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
                return np.asarray(img.convert(mode))
    except FileNotFoundError:
        raise ImageReadError(f"{path}: no such file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageReadError(f"{path}: refused, too many pixels to open safely ({err})") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageReadError(f"{path}: not a readable image ({err})") from None


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; on success rename it onto `path`, on any error remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def to_uint8(image):
    """Float image in [0, 1] (or uint8) to uint8, rounding to nearest."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def check_image_path(path):
    """The path, when its suffix names an image format we can write; ValueError otherwise."""
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"{path}: unknown image format; use one of {', '.join(IMAGE_SUFFIXES)}")
    return path


def write_image(path, image):
    """Write a uint8 or [0, 1] float image (H, W) or (H, W, 3|4); the format follows the suffix."""
    path = check_image_path(path)
    pixels = to_uint8(image)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format=Image.registered_extensions()[path.suffix.lower()])
    return path
