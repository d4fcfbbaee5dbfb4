"""Scale-free prediction: the network works on a small copy of the photo, and its chroma is brought back
to full size guided by the full-resolution gray image.

The upsampling is the fast guided filter (He & Sun 2015): at low resolution, in every (2r + 1)^2
neighbourhood, chroma is fitted as a linear function A * gray + B; A and B are smoothed, resized
bilinearly to full size and applied to the full-resolution gray, so colour edges snap to the edges of
the photo instead of being blurred across them. colorcore.features.guided_chroma_to_rgb does the full-size
half of that and the colour conversion in one pass (pyx/colour.pyx).
"""
import numpy as np
from PIL import Image
from scipy import ndimage


def resize(image, height, width, smooth):
    """(h, w) float image to (height, width): area averaging (smooth=True, for shrinking) or bilinear."""
    if not smooth:
        return bilinear_resize(image, height, width)
    out = Image.fromarray(np.ascontiguousarray(image, dtype=np.float32), mode="F").resize((width, height),
                                                                                           Image.Resampling.BOX)
    return np.asarray(out, dtype=np.float64)


def bilinear_taps(n_small, n_big):
    """For each of n_big positions: the two nearest of n_small samples and the second one's weight, pixel
    centres aligned and clamped at the borders (the arithmetic of pyx/colour.pyx's bilinear_source)."""
    source = np.clip((np.arange(n_big) + 0.5) * (n_small / n_big) - 0.5, 0, n_small - 1)
    first = source.astype(np.intp)
    return first, np.minimum(first + 1, n_small - 1), source - first


def bilinear_resize(image, height, width):
    """(h, w) float image to (height, width), bilinear."""
    image = np.asarray(image, dtype=np.float64)
    row0, row1, down = bilinear_taps(image.shape[0], height)
    col0, col1, right = bilinear_taps(image.shape[1], width)
    rows = image[row0] * (1 - down)[:, None] + image[row1] * down[:, None]
    out, second = rows[:, col0], rows[:, col1]  # full size: two arrays, worked on in place
    out *= 1 - right
    second *= right
    out += second
    return out


def shrink_rgb(rgb, height, width):
    """(h, w, 3) RGB to (height, width, 3) by area averaging (resize of each channel)."""
    return np.stack([resize(rgb[..., c], height, width, smooth=True) for c in range(3)], axis=-1)


def working_shape(height, width, working_size):
    """The shape the network sees: the photo shrunk (never enlarged) so its longer side is working_size."""
    if not working_size or max(height, width) <= working_size:
        return height, width
    scale = working_size / max(height, width)
    return max(1, round(height * scale)), max(1, round(width * scale))


def guided_coefficients(small_gray, small_values, radius=1, eps=1e-3):
    """(h, w, 2c): for each of the c channels of small_values (h, w, c), the smoothed slope A and offset B
    of its local linear fit A * small_gray + B, as channels 2k and 2k + 1."""
    size = 2 * radius + 1

    def mean(a):
        return ndimage.uniform_filter(a, size, mode="nearest")

    guide = small_gray.astype(np.float64)
    mean_g, var_g = mean(guide), mean(guide * guide) - mean(guide) ** 2
    out = np.empty((*guide.shape, 2 * small_values.shape[2]))
    for c in range(small_values.shape[2]):
        v = small_values[..., c]
        mean_v = mean(v)
        slope = (mean(guide * v) - mean_g * mean_v) / (np.maximum(var_g, 0) + eps)
        out[..., 2 * c] = mean(slope)
        out[..., 2 * c + 1] = mean(mean_v - slope * mean_g)
    return out


def apply_coefficients(coefficients, gray, map_channels=None):
    """(h, w, 2c) slopes and offsets (guided_coefficients) -> (H, W, c): each pair resized bilinearly to
    gray's size and applied to it, slope * gray + offset. map_channels(task, channels) may run the channels
    on parallel threads (default: one after another)."""
    n_channels = coefficients.shape[2] // 2
    out = np.empty((*gray.shape, n_channels))

    def channel(c):
        value = bilinear_resize(coefficients[..., 2 * c], *gray.shape)
        np.multiply(value, gray, out=value)  # in place: full-size temporaries are what a 12 MP scan costs
        value += bilinear_resize(coefficients[..., 2 * c + 1], *gray.shape)
        out[..., c] = value
    (map_channels or (lambda task, items: [task(i) for i in items]))(channel, range(n_channels))
    return out


def guided_upsample(small_gray, small_values, gray, radius=1, eps=1e-3, map_channels=None):
    """(h, w, c) values that go with small_gray (h, w) -> (H, W, c) values that go with gray (H, W)."""
    return apply_coefficients(guided_coefficients(small_gray, small_values, radius, eps), gray, map_channels)
