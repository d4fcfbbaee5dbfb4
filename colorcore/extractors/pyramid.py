"""Context at several scales: level k is the gray image blurred by a Gaussian of sigma 2^(k-1) and read
through a (2r + 1)^2 window whose taps are 2^k pixels apart, so level 3 of a radius-2 window spans 33 x 33
pixels with 25 inputs. Level 0 is the original assignment's window."""
from scipy import ndimage

from ..features import padding_code
from . import Extractor, check_int, fill_windows, register

SCIPY_MODES = {"edge": "nearest", "reflect": "mirror", "zero": "constant"}  # the same borders as the windows


@register
class Pyramid(Extractor):
    name = "pyramid"
    PARAMS = ("levels", "radius", "padding")

    def __init__(self, levels=4, radius=2, padding="edge"):
        self.levels = check_int("pyramid levels", levels, 1, 8)
        self.radius = check_int("pyramid window radius", radius, 0, 7)
        padding_code(padding)
        self.padding = padding

    @property
    def width(self):
        return self.levels * (2 * self.radius + 1) ** 2

    def fill(self, gray, out, col0, pixels, n_threads, use_reference=False):
        side2 = (2 * self.radius + 1) ** 2
        for level in range(self.levels):
            step = 2 ** level
            # The blur keeps what the sparse taps read from aliasing (sigma half the tap spacing).
            image = gray if level == 0 else ndimage.gaussian_filter(gray, step / 2, mode=SCIPY_MODES[self.padding])
            fill_windows(image, self.radius, step, self.padding, out, col0 + level * side2, pixels, n_threads,
                         use_reference)
