"""The original assignment's input: the (2r + 1)^2 gray values around each pixel, padded at the borders."""
from ..features import padding_code
from . import Extractor, check_int, fill_windows, register


@register
class Window(Extractor):
    name = "window"
    PARAMS = ("radius", "padding")

    def __init__(self, radius=2, padding="edge"):
        self.radius = check_int("window radius", radius, 0, 15)
        padding_code(padding)
        self.padding = padding

    @property
    def reach(self):
        return self.radius

    @property
    def width(self):
        return (2 * self.radius + 1) ** 2

    def fill(self, gray, out, col0, pixels, n_threads, use_reference=False):
        fill_windows(gray, self.radius, 1, self.padding, out, col0, pixels, n_threads, use_reference)
