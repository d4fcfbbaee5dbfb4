"""What the network sees and predicts: gray conversion, context windows, and the two colour targets.

- Gray is ITU-R 601 luma (Pillow's "L" weights) on values in [0, 1].
- A pixel's input is the (2r + 1)^2 gray values around it, padded at the borders (pyx/windows.pyx).
- Target "rgb" predicts R, G, B (the seed). Target "lab" predicts only the chroma a, b of CIE Lab; the
  output is then moved onto the input's luma, so converting it back to gray gives the input.
"""
import numpy as np
from skimage import color
from skimage.color import colorconv

from . import _colour, _windows, reference
from ._checks import as_float_dtype
from .threads import threads_for_now

GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601, as Pillow's convert("L")
PADDINGS = ("edge", "reflect", "zero")
PADDING_CODES = {name: code for code, name in enumerate(PADDINGS)}  # pyx/windows.pyx
TARGETS = ("rgb", "lab")
RGB_FROM_XYZ = np.ascontiguousarray(colorconv.rgb_from_xyz, dtype=np.float64)  # sRGB, as skimage
D65_WHITE = np.ascontiguousarray(colorconv.xyz_tristimulus_values(illuminant="D65", observer="2"), dtype=np.float64)
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


def context_windows(gray, radius=2, padding="edge", dtype="float32", use_reference=False, n_threads=None, step=1):
    """(H * W, (2r + 1)^2) context windows of a (H, W) gray image, row-major pixels, padded at the borders;
    the window's taps are `step` pixels apart (1: adjacent pixels, the seed's window).

    Works for any image size, including windows wider than the image. n_threads defaults to the cores no
    other program keeps busy (colorcore.threads.threads_for_now).
    """
    gray = np.asarray(gray)
    if gray.ndim != 2:
        raise ValueError(f"context_windows takes a 2-D gray image, got shape {gray.shape}")
    radius, code, dtype = check_radius(radius), padding_code(padding), as_float_dtype(dtype)
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"window step must be a positive integer, got {step!r}")
    gray = np.ascontiguousarray(gray, dtype=dtype)
    if not np.isfinite(gray).all():
        raise ValueError("the gray image contains NaN or infinite values")
    out = np.empty((gray.size, window_size(radius)), dtype=dtype)
    if gray.size:
        threads = threads_for_now() if n_threads is None else max(1, int(n_threads))
        (reference if use_reference else _windows).context_windows(gray, radius, int(step), code, out, 0, threads)
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
    if check_target(target) == "rgb":
        return np.clip(predicted.reshape(h, w, 3).astype(np.float64), 0, 1)
    return chroma_to_rgb(gray, (predicted.reshape(h, w, 2).astype(np.float64) - 0.5) * (2 * CHROMA_SCALE), weights)


def chroma_to_rgb(gray, ab, weights=GRAY_WEIGHTS, n_threads=1, use_reference=False):
    """(H, W) gray in [0, 1] and (H, W, 2) Lab chroma a*, b* -> (H, W, 3) RGB in [0, 1] whose luma is gray:
    skimage's lab2rgb of (L*(gray), a*, b*), then keep_luma, fused in one kernel (pyx/colour.pyx)."""
    gray = np.ascontiguousarray(gray, dtype=np.float64)
    ab = np.ascontiguousarray(ab, dtype=np.float64)
    if ab.shape != gray.shape + (2,):
        raise ValueError(f"chroma of shape {ab.shape} does not fit a gray image of shape {gray.shape}")
    out = np.empty(gray.shape + (3,))
    kernels = reference if use_reference else _colour
    kernels.chroma_to_rgb(gray, ab, RGB_FROM_XYZ, D65_WHITE, np.asarray(weights, dtype=np.float64), out, n_threads)
    return out
