"""Where the pixel is: (y + 0.5) / H and (x + 0.5) / W, both in (0, 1). Skies are at the top."""
import numpy as np

from . import Extractor, register


@register
class Position(Extractor):
    name = "position"
    width = 2

    def fill(self, gray, out, col0, pixels, n_threads, use_reference=False):
        h, w = gray.shape
        if pixels is None:
            block = out[:, col0:col0 + 2].reshape(h, w, 2)
            block[..., 0] = ((np.arange(h) + 0.5) / h)[:, None]
            block[..., 1] = ((np.arange(w) + 0.5) / w)[None, :]
        else:
            out[:, col0] = (pixels // w + 0.5) / h
            out[:, col0 + 1] = (pixels % w + 0.5) / w
