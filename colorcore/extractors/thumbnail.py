"""What the whole picture looks like, the same for every pixel: the gray image shrunk to size x size by
exact area averaging, with its mean and standard deviation. It lets the network tell a beach from a
forest, which no window can."""
import numpy as np

from . import Extractor, check_int, register


def area_means(values, size):
    """Means of the rows of `values` (n, ...) over `size` equal spans of [0, n), a row cut by a span's edge
    counted by its covered part: the rows' running sum, read at the edges (between two whole rows it grows
    linearly), differenced. O(n), and no matrix product, which NumPy would hand to OpenBLAS, whose threads
    then spin for a tenth of a second on the cores colorcore's own threads are about to use."""
    n = len(values)
    edges = np.linspace(0, n, size + 1)
    row = np.minimum(edges.astype(np.intp), n - 1)  # the row each edge falls in (the last edge: in the last row)
    running = np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
    covered = (edges - row).reshape(-1, *[1] * (values.ndim - 1))
    at_edges = running[row] + covered * values[row]
    return (at_edges[1:] - at_edges[:-1]) * (size / n)


def area_resize(gray, height, width):
    """(h, w) image to (height, width) by exact area averaging."""
    return area_means(area_means(gray.astype(np.float64), height).T, width).T


@register
class Thumbnail(Extractor):
    name = "thumbnail"
    per_photo = True
    PARAMS = ("size",)

    def __init__(self, size=8):
        self.size = check_int("thumbnail size", size, 1, 32)

    @property
    def width(self):
        return self.size ** 2 + 2

    def describe(self, gray):
        """The descriptor of one image: size^2 area means, then the mean and standard deviation."""
        g = gray.astype(np.float64)
        return np.concatenate([area_resize(g, self.size, self.size).ravel(), [g.mean(), g.std()]])
