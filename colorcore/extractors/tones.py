"""How the photo's gray levels are spread, the same for every pixel: the share of the pixels in each of
`bins` equal bins of [0, 1], in each of `bands` horizontal bands of the photo (top to bottom). A bright
top over a dark bottom reads as sky over land; a narrow spread as haze, snow or dusk."""
import numpy as np

from . import Extractor, check_int, register


@register
class Tones(Extractor):
    name = "tones"
    per_photo = True
    PARAMS = ("bins", "bands")

    def __init__(self, bins=8, bands=2):
        self.bins = check_int("tones bins", bins, 2, 64)
        self.bands = check_int("tones bands", bands, 1, 8)

    @property
    def width(self):
        return self.bins * self.bands

    def describe(self, gray):
        levels = np.minimum((gray * self.bins).astype(np.intp), self.bins - 1)
        edges = np.linspace(0, len(gray), self.bands + 1)
        parts = []
        for top, bottom in zip(edges[:-1], edges[1:]):
            band = levels[int(top):max(int(top) + 1, int(bottom))]  # a photo lower than `bands` rows: repeated
            parts.append(np.bincount(band.ravel(), minlength=self.bins) / band.size)
        return np.concatenate(parts)
