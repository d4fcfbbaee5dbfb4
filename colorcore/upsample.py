"""Scale-free prediction: the network works on a small copy of the photo, and its chroma is brought back
to full size guided by the full-resolution gray image.

The upsampling is the fast guided filter (He & Sun 2015): at low resolution, in every (2r + 1)^2
neighbourhood, chroma is fitted as a linear function A * gray + B; A and B are smoothed, resized
bilinearly to full size and applied to the full-resolution gray, so colour edges snap to the edges of
the photo instead of being blurred across them.
"""
import numpy as np
from PIL import Image
from scipy import ndimage


def resize(image, height, width, smooth):
    """(h, w) float image to (height, width): area averaging (smooth=True, for shrinking) or bilinear."""
    resample = Image.Resampling.BOX if smooth else Image.Resampling.BILINEAR
    out = Image.fromarray(np.ascontiguousarray(image, dtype=np.float32), mode="F").resize((width, height), resample)
    return np.asarray(out, dtype=np.float64)


def shrink_rgb(rgb, height, width):
    """(h, w, 3) RGB to (height, width, 3) by area averaging (resize of each channel)."""
    return np.stack([resize(rgb[..., c], height, width, smooth=True) for c in range(3)], axis=-1)


def working_shape(height, width, working_size):
    """The shape the network sees: the photo shrunk (never enlarged) so its longer side is working_size."""
    if not working_size or max(height, width) <= working_size:
        return height, width
    scale = working_size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def guided_upsample(small_gray, small_values, gray, radius=1, eps=1e-3, map_channels=None):
    """(h, w, c) values that go with small_gray (h, w) -> (H, W, c) values that go with gray (H, W).
    map_channels(task, channels) may run the channels on parallel threads (default: one after another)."""
    size = 2 * radius + 1

    def mean(a):
        return ndimage.uniform_filter(a, size, mode="nearest")

    guide = small_gray.astype(np.float64)
    mean_g, var_g = mean(guide), mean(guide * guide) - mean(guide) ** 2
    out = np.empty((*gray.shape, small_values.shape[2]))

    def channel(c):
        v = small_values[..., c]
        mean_v = mean(v)
        slope = (mean(guide * v) - mean_g * mean_v) / (np.maximum(var_g, 0) + eps)
        offset = mean_v - slope * mean_g
        slope = resize(mean(slope), *gray.shape, smooth=False)
        np.multiply(slope, gray, out=slope)  # in place: full-size temporaries are what a 12 MP scan costs
        slope += resize(mean(offset), *gray.shape, smooth=False)
        out[..., c] = slope
    (map_channels or (lambda task, items: [task(i) for i in items]))(channel, range(small_values.shape[2]))
    return out
