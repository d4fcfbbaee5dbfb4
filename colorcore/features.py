"""What the network sees and predicts: gray conversion, context windows, and the two colour targets.

- Gray is ITU-R 601 luma (Pillow's "L" weights) on values in [0, 1].
- A pixel's input is the (2r + 1)^2 gray values around it, padded at the borders (pyx/windows.pyx).
- Target "rgb" predicts R, G, B (the seed). Target "lab" predicts only the chroma a, b of CIE Lab; the
  output is then moved onto the input's luma, so converting it back to gray gives the input.
"""
import numpy as np
from skimage import color

from . import _windows, reference
from ._checks import as_float_dtype
from .threads import threads_for_now

GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601, as Pillow's convert("L")
PADDINGS = ("edge", "reflect", "zero")
PADDING_CODES = {name: code for code, name in enumerate(PADDINGS)}  # pyx/windows.pyx
TARGETS = ("rgb", "lab")
CHROMA_SCALE = 128.0  # a, b of sRGB colours lie within +-128; (ab / 256 + 0.5) fits a sigmoid output


def to_gray(rgb, weights=GRAY_WEIGHTS):
    """(H, W, 3) RGB in [0, 1] -> (H, W) luma; (H, W) input is returned as it is."""
    rgb = np.asarray(rgb)
    if rgb.ndim == 2:
        return rgb
    return rgb[..., :3] @ np.asarray(weights, dtype=rgb.dtype if rgb.dtype.kind == "f" else np.float64)


def window_size(radius):
    return (2 * radius + 1) ** 2


def check_radius(radius):
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)) or radius < 0:
        raise ValueError(f"window radius must be a non-negative integer, got {radius!r}")
    return int(radius)


def padding_code(padding):
    if padding not in PADDING_CODES:
        raise ValueError(f"unknown padding {padding!r}; choose one of {', '.join(PADDINGS)}")
    return PADDING_CODES[padding]


def context_windows(gray, radius=2, padding="edge", dtype="float32", use_reference=False, n_threads=None):
    """(H * W, (2r + 1)^2) context windows of a (H, W) gray image, row-major pixels, padded at the borders.

    Works for any image size, including windows wider than the image. n_threads defaults to the cores no
    other program keeps busy (colorcore.threads.threads_for_now).
    """
    gray = np.asarray(gray)
    if gray.ndim != 2:
        raise ValueError(f"context_windows takes a 2-D gray image, got shape {gray.shape}")
    radius, code, dtype = check_radius(radius), padding_code(padding), as_float_dtype(dtype)
    gray = np.ascontiguousarray(gray, dtype=dtype)
    if not np.isfinite(gray).all():
        raise ValueError("the gray image contains NaN or infinite values")
    out = np.empty((gray.size, window_size(radius)), dtype=dtype)
    if gray.size:
        threads = threads_for_now() if n_threads is None else max(1, int(n_threads))
        (reference if use_reference else _windows).context_windows(gray, radius, code, out, threads)
    return out


def check_target(target):
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    return target


def n_outputs(target):
    return 3 if check_target(target) == "rgb" else 2


def encode_target(rgb, target):
    """(H, W, 3) RGB in [0, 1] -> (H * W, n_outputs) values in [0, 1] for the network to learn."""
    if check_target(target) == "rgb":
        return rgb.reshape(-1, 3)
    ab = color.rgb2lab(rgb)[..., 1:].reshape(-1, 2)
    return ab / (2 * CHROMA_SCALE) + 0.5


def gray_lightness(gray):
    """CIE L* of a gray image (R = G = B = gray): L depends on luminance only."""
    linear = np.where(gray <= 0.04045, gray / 12.92, ((gray + 0.055) / 1.055) ** 2.4)
    return np.where(linear > 216 / 24389, 116 * np.cbrt(linear) - 16, linear * 24389 / 27)


def keep_luma(gray, rgb, weights=GRAY_WEIGHTS):
    """Move each pixel of rgb onto the given luma: gray + s (rgb - luma(rgb)), with the largest s <= 1 that
    stays inside [0, 1]. Since the weights sum to 1, to_gray of the result is exactly gray."""
    luma = to_gray(rgb, weights)
    chroma = rgb - luma[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        room_up = np.where(chroma > 0, (1 - gray)[..., None] / chroma, np.inf)
        room_down = np.where(chroma < 0, -gray[..., None] / chroma, np.inf)
    scale = np.minimum(1.0, np.minimum(room_up, room_down).min(axis=-1))
    return np.clip(gray[..., None] + scale[..., None] * chroma, 0, 1)


def decode_output(gray, predicted, target, weights=GRAY_WEIGHTS):
    """Network outputs (H * W, n_outputs) and the (H, W) gray input -> (H, W, 3) RGB in [0, 1]."""
    h, w = gray.shape
    gray = gray.astype(np.float64)
    if check_target(target) == "rgb":
        return np.clip(predicted.reshape(h, w, 3).astype(np.float64), 0, 1)
    lab = np.empty((h, w, 3))
    lab[..., 0] = gray_lightness(gray)
    lab[..., 1:] = (predicted.reshape(h, w, 2).astype(np.float64) - 0.5) * (2 * CHROMA_SCALE)
    # lab2rgb sets a negative Z (b* above 200 (L* + 16) / 116) to zero, with a warning. Capping b* just
    # below that bound (so that rounding cannot make Z negative) gives the same colours to 1e-9 and no
    # warning; a warnings filter would not do, as bands of one image are decoded on parallel threads and
    # catch_warnings is not thread-safe.
    lab[..., 2] = np.minimum(lab[..., 2], (200 - 1e-7) * (lab[..., 0] + 16) / 116)
    rgb = color.lab2rgb(lab)
    return keep_luma(gray, np.clip(rgb, 0, 1), weights)
