"""How much the photo changes around each pixel, and which way: the root mean square of the gray image's
change over 1, 2, 4, ... pixels along four directions, averaged over a Gaussian neighbourhood twice that
wide (the texture layout's measure, per pixel instead of per photo). Leaves, water, sky and walls differ
here where their gray levels are alike; a window of raw gray values leaves the network to square the
differences itself."""
import numpy as np
from scipy import ndimage

from . import Extractor, check_int, fill_windows, register
from .texture_layout import direction_energies


@register
class Detail(Extractor):
    name = "detail"
    PARAMS = ("scales",)

    def __init__(self, scales=3):
        self.scales = check_int("detail scales", scales, 1, 5)

    @property
    def width(self):
        return 4 * self.scales

    def maps(self, gray):
        """(4 scales, H, W) maps in gray's dtype, scale by scale, directions as in direction_energies."""
        out = []
        for scale in range(self.scales):
            step = 2 ** scale
            # blurred first at the coarser scales, so that the change measured is that of the coarser detail
            image = gray if scale == 0 else ndimage.gaussian_filter(gray, step / 2, mode="nearest")
            for energy in direction_energies(image.astype(np.float64), step):
                out.append(8 * np.sqrt(ndimage.gaussian_filter(energy, 2 * step, mode="nearest")))
        return np.stack(out).astype(gray.dtype)

    def fill(self, gray, out, col0, pixels, n_threads, use_reference=False):
        for k, level in enumerate(self.maps(gray)):  # each map's value at the pixel: a window of radius 0
            fill_windows(np.ascontiguousarray(level), 0, 1, "edge", out, col0 + k, pixels, n_threads, use_reference)
