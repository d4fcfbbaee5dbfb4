"""Image arrays as users hand them in: uint8 or [0, 1] floats, gray or with channels, numpy or PIL.
The façade turns them into (H, W, C) float64 in [0, 1] and back into the caller's dtype."""
import numpy as np

HIGH_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")  # Pillow modes of 16-bit and 32-bit images


def pil_to_array(img, mode=None):
    """A PIL image as a uint8 array in mode L, RGB or RGBA (mode None: L, RGB and RGBA stay as they are,
    other colour modes such as CMYK, P or YCbCr are converted by Pillow to RGB, or RGBA when they carry
    transparency). 16-bit images are scaled (65535 -> 255), not clipped; 32-bit float images must hold
    values in [0, 1] or [0, 255]."""
    if img.mode in HIGH_DEPTH_MODES:
        values = np.asarray(img, dtype=np.float64)
        top = float(values.max(initial=0))
        if not np.isfinite(values).all() or values.min(initial=0) < 0:
            raise ValueError(f"a {img.mode} image with negative or non-finite values cannot be shown as a photo")
        if img.mode == "F" and top <= 1:
            scale = 255.0
        elif top <= 255 and img.mode in ("I", "F"):
            scale = 1.0
        elif top <= 65535:
            scale = 255 / 65535
        else:
            raise ValueError(f"a {img.mode} image with values up to {top:g}: save it as an 8- or 16-bit image")
        gray = np.clip(np.rint(values * scale), 0, 255).astype(np.uint8)
        if mode in (None, "L"):
            return gray
        if mode == "RGB":
            return np.repeat(gray[:, :, None], 3, axis=2)
        return np.dstack([gray, gray, gray, np.full_like(gray, 255)])
    if mode is None:
        mode = img.mode if img.mode in ("L", "RGB", "RGBA") else (
            "RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
    return np.asarray(img.convert(mode))


def image_array(image, name="image"):
    """A user's gray or colour image (uint8 / float array or PIL image) as a checked array, not copied: (H, W)
    or (H, W, C) with 1 to 4 channels, uint8 or floats in [0, 1]; else a one-line error."""
    if hasattr(image, "getbands") and hasattr(image, "convert"):  # a PIL image: its bands may not be RGB
        image = pil_to_array(image)
    array = np.asarray(image)
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        if array.size and (array.min() < 0 or array.max() > 1):
            raise ValueError(f"{name} has values outside [0, 1]; float images must be scaled to [0, 1]")
    elif array.dtype != np.uint8:
        raise TypeError(f"{name} must be uint8 or float in [0, 1], got dtype {array.dtype}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {'x'.join(map(str, array.shape))}); pass an image with pixels")
    if not (array.ndim == 2 or (array.ndim == 3 and 1 <= array.shape[2] <= 4)):
        raise ValueError(f"{name} must be (H, W) gray or (H, W, C) with 1 to 4 channels, got shape {array.shape}")
    return array


def as_float_image(image, name="image"):
    """(H, W, C) float array in [0, 1] from a gray or colour uint8 / float array or PIL image.

    Returns the array, the input dtype, and whether the input was 2-D.
    """
    array = image_array(image, name)
    floats = array / 255 if array.dtype == np.uint8 else array.astype(np.float64)
    return (floats[:, :, None] if array.ndim == 2 else floats), array.dtype, array.ndim == 2


CHUNK_ROWS = 256  # to_uint8 converts this many rows at a time, so a large image needs no float copy


def to_uint8(image):
    """Float image in [0, 1] (or uint8) to uint8, rounding to nearest."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return image
    if image.ndim == 0:
        return np.uint8(np.clip(np.rint(image * 255), 0, 255))
    out = np.empty(image.shape, np.uint8)
    for start in range(0, len(image), CHUNK_ROWS):
        scaled = image[start:start + CHUNK_ROWS] * 255.0
        np.clip(np.rint(scaled, out=scaled), 0, 255, out=scaled)
        out[start:start + CHUNK_ROWS] = scaled
    return out


def from_float_image(floats, dtype, was_2d):
    """Back to the caller's dtype and layout (uint8 rounds to nearest)."""
    out = floats[:, :, 0] if was_2d else floats
    return to_uint8(out) if dtype == np.uint8 else out.astype(dtype)
