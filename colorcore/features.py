"""The colour arithmetic every part shares: gray conversion, padding names, and putting Lab chroma on a
gray image's lightness.

- Gray is ITU-R 601 luma (Pillow's "L" weights) on values in [0, 1].
- chroma_to_rgb moves a predicted colour onto the input's luma, so converting the output back to gray
  gives the input. What the network sees is colorcore.extractors; what it predicts, colorcore.targets.
"""
import numpy as np
from skimage.color import colorconv

from . import _colour, reference
from .images import image_array

GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601, as Pillow's convert("L")
PADDINGS = ("edge", "reflect", "zero")
PADDING_CODES = {name: code for code, name in enumerate(PADDINGS)}  # pyx/windows.pyx
RGB_FROM_XYZ = np.ascontiguousarray(colorconv.rgb_from_xyz, dtype=np.float64)  # sRGB, as skimage
D65_WHITE = np.ascontiguousarray(colorconv.xyz_tristimulus_values(illuminant="D65", observer="2"), dtype=np.float64)
CHROMA_SCALE = 128.0  # a, b of sRGB colours lie within +-128; (ab / 256 + 0.5) fits a sigmoid output


CHUNK_PIXELS = 65536  # to_gray and gray_of_image work through this many pixels at a time (cache-sized parts)


def to_gray(rgb, weights=GRAY_WEIGHTS):
    """(..., 3) RGB in [0, 1] -> (...) luma; (H, W) input is returned as it is."""
    rgb = np.asarray(rgb)
    if rgb.ndim == 2:
        return rgb
    dtype = rgb.dtype if rgb.dtype.kind == "f" else np.float64
    w = np.asarray(weights, dtype=dtype)
    out = np.empty(rgb.shape[:-1], dtype)
    rows = max(1, CHUNK_PIXELS // max(1, int(np.prod(rgb.shape[1:-1]))))
    for start in range(0, len(rgb), rows):
        part = rgb[start:start + rows]
        # Three products, not `rgb @ w`: NumPy hands a product that large to OpenBLAS, whose threads then
        # spin for a tenth of a second on the cores that colorcore's own threads are about to use.
        out[start:start + rows] = part[..., 0] * w[0] + part[..., 1] * w[1] + part[..., 2] * w[2]
    return out


def gray_of_image(image, weights=GRAY_WEIGHTS):
    """(gray (H, W) float64 in [0, 1], the input's dtype) of a user's image: gray as it is, colour (with or
    without alpha) through the luma weights; a few rows at a time, so a 12-megapixel photo needs no float
    copy of its colours."""
    array = image_array(image)
    gray = np.empty(array.shape[:2])
    rows = max(1, CHUNK_PIXELS // array.shape[1])
    for start in range(0, len(array), rows):
        part = array[start:start + rows].astype(np.float64)
        if array.dtype == np.uint8:
            part /= 255
        if part.ndim == 3:
            part = to_gray(part[..., :3], weights) if part.shape[2] >= 3 else part[..., 0]
        gray[start:start + rows] = part
    return gray, array.dtype


def padding_code(padding):
    if padding not in PADDING_CODES:
        raise ValueError(f"unknown padding {padding!r}; choose one of {', '.join(PADDINGS)}")
    return PADDING_CODES[padding]


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


def guided_chroma_to_rgb(gray, coefficients, weights=GRAY_WEIGHTS, n_threads=1, use_reference=False):
    """chroma_to_rgb of the chroma that guided upsampling (colorcore.upsample) makes of a small photo's:
    coefficients (h, w, 4) are the small maps of the slope and offset of a* and of b* (guided_coefficients),
    read bilinearly and applied to the full-size gray in the same pass as the colour conversion."""
    gray = np.ascontiguousarray(gray, dtype=np.float64)
    coefficients = np.ascontiguousarray(coefficients, dtype=np.float64)
    if coefficients.ndim != 3 or coefficients.shape[2] != 4 or min(coefficients.shape[:2]) < 1:
        raise ValueError(f"guided coefficients must have shape (h, w, 4), got {coefficients.shape}")
    out = np.empty(gray.shape + (3,))
    kernels = reference if use_reference else _colour
    kernels.guided_chroma_to_rgb(gray, coefficients, RGB_FROM_XYZ, D65_WHITE, np.asarray(weights, dtype=np.float64),
                                 out, n_threads)
    return out
