"""Where the picture is textured and which way its edges run, the same for every pixel: the root mean
square of the gray image's change along four directions (0, 45, 90 and 135 degrees), at `scales` scales
(each half the size of the one before), over a grid x grid layout of the photo (Oliva and Torralba's
GIST, in small). Foliage, water, sky and walls differ here more than in their gray levels."""
import numpy as np

from . import Extractor, check_int, register
from .thumbnail import area_resize


def direction_energies(gray, step=1):
    """(4, H, W) squared change of gray over `step` pixels towards the right, the lower right, down and the
    lower left (the photo's edge repeated beyond it)."""
    g = np.pad(gray, step, mode="edge")
    h, w = gray.shape
    centre = g[step:step + h, step:step + w]
    moves = ((0, step), (step, step), (step, 0), (step, -step))
    return np.stack([(g[step + dy:step + dy + h, step + dx:step + dx + w] - centre) ** 2 for dy, dx in moves])


@register
class TextureLayout(Extractor):
    name = "texture"
    per_photo = True
    PARAMS = ("grid", "scales")

    def __init__(self, grid=4, scales=2):
        self.grid = check_int("texture grid", grid, 1, 8)
        self.scales = check_int("texture scales", scales, 1, 4)

    @property
    def width(self):
        return 4 * self.scales * self.grid ** 2

    def describe(self, gray):
        g = gray.astype(np.float64)
        parts = []
        for _ in range(self.scales):
            for energy in direction_energies(g):
                parts.append(np.sqrt(area_resize(energy, self.grid, self.grid)).ravel())
            g = area_resize(g, max(1, g.shape[0] // 2), max(1, g.shape[1] // 2))
        return 8 * np.concatenate(parts)  # changes of 0.01 to 0.1 a pixel, brought nearer the unit range
