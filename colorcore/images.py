"""Image arrays as users hand them in: uint8 or [0, 1] floats, gray or with channels, numpy or PIL.
The façade turns them into (H, W, C) float64 in [0, 1] and back into the caller's dtype."""
import numpy as np


def as_float_image(image, name="image"):
    """(H, W, C) float array in [0, 1] from a gray or colour uint8 / float array or PIL image.

    Returns the array, the input dtype, and whether the input was 2-D.
    """
    array = np.asarray(image)
    if array.dtype == np.uint8:
        floats = array.astype(np.float64) / 255
    elif array.dtype.kind == "f":
        floats = array.astype(np.float64)
        if not np.isfinite(floats).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        if floats.size and (floats.min() < 0 or floats.max() > 1):
            raise ValueError(f"{name} has values outside [0, 1]; float images must be scaled to [0, 1]")
    else:
        raise TypeError(f"{name} must be uint8 or float in [0, 1], got dtype {array.dtype}")
    if array.ndim == 2:
        floats = floats[:, :, None]
    elif array.ndim != 3 or not 1 <= array.shape[2] <= 4:
        raise ValueError(f"{name} must be (H, W) gray or (H, W, C) with 1 to 4 channels, got shape {array.shape}")
    return floats, array.dtype, array.ndim == 2


def to_uint8(image):
    """Float image in [0, 1] (or uint8) to uint8, rounding to nearest."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    return np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)


def from_float_image(floats, dtype, was_2d):
    """Back to the caller's dtype and layout (uint8 rounds to nearest)."""
    out = floats[:, :, 0] if was_2d else floats
    return to_uint8(out) if dtype == np.uint8 else out.astype(dtype)
