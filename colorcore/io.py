"""Reading and writing files safely: images through Pillow's decompression-bomb guard, every output
through a temporary name and a rename so that nothing is ever half-written."""
import contextlib
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .images import pil_to_array, to_uint8

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")


class ImageReadError(ValueError):
    """An image file that is missing, unreadable, corrupt, or too large to open safely."""


def read_image(path, mode=None):
    """Load an image file as a uint8 array: (H, W) for gray, (H, W, C) otherwise.

    mode: None keeps L, RGB and RGBA as they are (other modes become RGB or RGBA, 16-bit gray is scaled to
    8 bits); "L", "RGB" or "RGBA" converts. The EXIF orientation is applied, so the array is the photo as
    it is displayed. Raises ImageReadError with the path and the reason.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on decompression bombs; make the warning an error too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img.load()
                frames = getattr(img, "n_frames", 1)
                upright = ImageOps.exif_transpose(img)  # as the photo is displayed (EXIF orientation)
        if frames > 1:
            warnings.warn(f"{path}: an animated image of {frames} frames; only the first is used", stacklevel=2)
        return pil_to_array(upright, mode)
    except FileNotFoundError:
        raise ImageReadError(f"{path}: no such file") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageReadError(f"{path}: refused, too many pixels to open safely ({err})") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageReadError(f"{path}: not a readable image ({err})") from None


def split_alpha(image):
    """(colour, alpha) of an image array: an RGBA image's first three channels and its alpha plane; any
    other image as it is, and None."""
    if image.ndim == 3 and image.shape[2] == 4:
        return image[:, :, :3], image[:, :, 3]
    return image, None


def current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; on success rename it onto `path`, on any error remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
    if path.suffix.lower() == ".pgm" and pixels.ndim == 3:
        raise ValueError(f"{path}: .pgm holds gray images only; write this colour image as .ppm or .png")
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format=Image.registered_extensions()[path.suffix.lower()])
    return path


# --- model files ------------------------------------------------------------------------------------------
# A model file is an .npz holding `params` (the MLP's flat parameter vector) and `header` (a JSON string:
# format, version, layer sizes, activations, and the colorizer's settings). No pickle anywhere.

MODEL_FORMAT = "colorcore-model"
MAX_PARAMS_BYTES = 1 << 30   # 1 GiB of weights (the shipped model has 0.25 MB)
MAX_HEADER_BYTES = 1 << 24   # 16 MiB of JSON
MODEL_VERSION = 2            # 2: feature pipelines and targets; 1: the first release (window, rgb/lab)
READABLE_VERSIONS = (1, 2)


class ModelFileError(ValueError):
    """A file that is not a readable colorcore model."""


def save_model(path, params, header):
    """Write params and the header dict to path atomically (a .npz file)."""
    import json

    path = Path(path)
    full = dict({"version": MODEL_VERSION}, **header, format=MODEL_FORMAT)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, params=np.asarray(params), header=np.array(json.dumps(full)))
    return path


def load_model_file(path):
    """(params, header) from a model file, refusing anything that is not exactly what save_model writes."""
    import json
    import zipfile

    path = Path(path)
    try:
        # Sizes first, from the zip directory: a small file must not unpack into gigabytes before it is
        # refused (a zip bomb), nor a forged header nest deep enough to exhaust the JSON parser.
        try:
            listing = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            with open(path, "rb") as f:
                start = f.read(4)
            if start and not start.startswith(b"PK"):  # .npz files are zip archives
                raise ModelFileError(f"{path}: not a colorcore model (not an .npz archive)") from None
            raise
        with listing:
            for info in listing.infolist():
                limit = MAX_HEADER_BYTES if info.filename.startswith("header") else MAX_PARAMS_BYTES
                if info.file_size > limit:
                    raise ModelFileError(f"{path}: member {info.filename} would unpack to {info.file_size:,} bytes "
                                         f"(the limit is {limit:,}); not a colorcore model")
        with np.load(path, allow_pickle=False) as archive:
            if set(archive.files) != {"params", "header"}:
                raise ModelFileError(f"{path}: not a colorcore model (holds {sorted(archive.files)})")
            params, header_text = archive["params"], archive["header"]
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model file") from None
    except ModelFileError:
        raise
    except ValueError as err:  # includes "Object arrays cannot be loaded when allow_pickle=False"
        raise ModelFileError(f"{path}: not a colorcore model ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise ModelFileError(f"{path}: unreadable or truncated model file ({err})") from None
    try:
        header = json.loads(str(header_text))
    except (json.JSONDecodeError, RecursionError):
        raise ModelFileError(f"{path}: model header is not valid JSON (or nested too deeply)") from None
    if not isinstance(header, dict) or header.get("format") != MODEL_FORMAT:
        raise ModelFileError(f"{path}: not a colorcore model file")
    if header.get("version") not in READABLE_VERSIONS:
        raise ModelFileError(f"{path}: model format version {header.get('version')} is not supported "
                             f"(this colorcore reads versions {', '.join(map(str, READABLE_VERSIONS))}; "
                             "a newer colorcore may read it)")
    if params.ndim != 1 or params.dtype not in (np.float32, np.float64):
        raise ModelFileError(f"{path}: weights must be a 1-D float32/float64 array, got {params.dtype} {params.shape}")
    if not np.isfinite(params).all():
        raise ModelFileError(f"{path}: model weights contain NaN or infinite values")
    return params, header
