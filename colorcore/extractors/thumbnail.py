"""What the whole picture looks like, the same for every pixel: the gray image shrunk to size x size by
exact area averaging, with its mean and standard deviation. It lets the network tell a beach from a
forest, which no window can."""
import numpy as np

from . import check_int, register


def area_matrix(n, size):
    """(size, n) matrix M with M @ v the mean of v over each of `size` equal spans of [0, n) (fractional
    pixels counted by their covered part)."""
    edges = np.linspace(0, n, size + 1)
    starts, ends = edges[:-1, None], edges[1:, None]
    pixel = np.arange(n)[None, :]
    overlap = np.clip(np.minimum(ends, pixel + 1) - np.maximum(starts, pixel), 0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def area_resize(gray, height, width):
    return area_matrix(gray.shape[0], height) @ gray.astype(np.float64) @ area_matrix(gray.shape[1], width).T


@register
class Thumbnail:
    name = "thumbnail"
    per_photo = True
    PARAMS = ("size",)

    def __init__(self, size=8):
        self.size = check_int("thumbnail size", size, 1, 32)

    @property
    def params(self):
        return {"size": self.size}

    @property
    def width(self):
        return self.size ** 2 + 2

    def describe(self, gray):
        """The descriptor of one image: size^2 area means, then the mean and standard deviation."""
        g = gray.astype(np.float64)
        return np.concatenate([area_resize(g, self.size, self.size).ravel(), [g.mean(), g.std()]])
