"""Colour transfer: a gray photo takes its colours from a reference colour photo (no network needed).

- "reinhard" (after Reinhard et al. 2001, global Lab statistics): the gray photo's lightness is moved to
  the reference's mean and spread, and each pixel gets the chroma the reference's lightness predicts
  linearly (its mean chroma plus the lightness-chroma covariance), so that bright and dark parts can take
  different colours.
- "match" (after Welsh, Ashikhmin & Mueller 2002): anchors on a grid over the gray photo look for the
  reference neighbourhood whose lightness pattern is closest, with the Gaussian-weighted windowed SSD of
  the texture matcher (pyx/ssd.pyx), the reference's lightness first remapped to the photo's mean and
  spread. The anchors that match best become colour hints, and Levin propagation (colorcore.propagate)
  spreads them along the gray photo's lightness.
Both keep the input's luma exactly.
"""
import numpy as np
from skimage import color

from . import _ssd
from .datasets import is_gray
from .features import GRAY_WEIGHTS, chroma_to_rgb, gray_lightness, gray_of_image
from .images import as_float_image, from_float_image
from .propagate import propagate
from .texture import gaussian_window
from .threads import threads_for_now
from .upsample import resize, shrink_rgb, working_shape

METHODS = ("reinhard", "match")
MATCH_SIDE = 128       # both photos are matched at most this many pixels a side (each anchor meets every window)
MATCH_WINDOW = 9       # side of the neighbourhoods compared
ANCHOR_SPACING = 5     # one anchor every this many pixels of the matching copy, each way
CONFIDENT_SHARE = 0.5  # the best-matching half of the anchors become hints


def transfer_colors(image, reference, method="reinhard", gray_weights=GRAY_WEIGHTS):
    """Colorize `image` with the colours of the colour photo `reference`.

    Parameters
    ----------
    image : the gray photo (or a colour one, turned gray): numpy array or PIL image, uint8 or [0, 1] floats
    reference : a colour photo of any size, same types
    method : "reinhard" (global statistics) or "match" (neighbourhood matching and propagation); see the
        module docstring
    gray_weights : the luma weights that turn a colour image gray

    Returns
    -------
    RGB array (H, W, 3) with the input's luma: uint8 for uint8 input, float64 in [0, 1] otherwise.
    """
    if method not in METHODS:
        raise ValueError(f"unknown transfer method {method!r}; choose one of {', '.join(METHODS)}")
    gray, dtype = gray_of_image(image, gray_weights)
    ref, _, _ = as_float_image(reference, "reference")
    if ref.shape[2] < 3 or is_gray(ref[:, :, :3]):
        raise ValueError("the reference photo is gray, so it has no colours to give; use a colour photo")
    ref_lab = color.rgb2lab(ref[:, :, :3])
    chroma = (reinhard_chroma if method == "reinhard" else matched_chroma)(gray, ref_lab)
    return from_float_image(chroma_to_rgb(gray, chroma, gray_weights, threads_for_now()), dtype, False)


def remap(values, like):
    """values moved linearly to the mean and standard deviation of `like`."""
    spread = values.std()
    return like.mean() + (values - values.mean()) * (like.std() / spread if spread > 0 else 0.0)


def reinhard_chroma(gray, ref_lab):
    """(H, W, 2): the reference's chroma as a linear function of lightness, at the remapped lightness."""
    ref_l, ref_ab = ref_lab[..., 0].ravel(), ref_lab[..., 1:].reshape(-1, 2)
    centred = ref_l - ref_l.mean()
    variance = float(centred @ centred)
    slope = (centred @ (ref_ab - ref_ab.mean(axis=0))) / variance if variance > 0 else np.zeros(2)
    lightness = remap(gray_lightness(gray), ref_l)
    return ref_ab.mean(axis=0) + (lightness - ref_l.mean())[..., None] * slope


def matched_chroma(gray, ref_lab):
    """(H, W, 2): chroma of the best-matching reference neighbourhoods at the anchors, propagated."""
    h, w = gray.shape
    small = resize(gray, *working_shape(h, w, MATCH_SIDE), smooth=True) if max(h, w) > MATCH_SIDE else gray
    ref_h, ref_w = working_shape(*ref_lab.shape[:2], MATCH_SIDE)
    ref_small = shrink_rgb(ref_lab, ref_h, ref_w) if (ref_h, ref_w) != ref_lab.shape[:2] else ref_lab
    lightness = gray_lightness(small) / 100
    half = MATCH_WINDOW // 2
    if min(ref_h, ref_w) < MATCH_WINDOW:
        raise ValueError(f"the reference photo is too small to match neighbourhoods "
                         f"(at least {MATCH_WINDOW}x{MATCH_WINDOW} pixels)")
    sample = np.ascontiguousarray(remap(ref_small[..., 0] / 100, lightness)[None], dtype=np.float32)
    padded = np.pad(lightness, half, mode="reflect" if min(lightness.shape) > half else "edge")
    gauss = gaussian_window(MATCH_WINDOW).ravel()
    rows, cols = (a.ravel().astype(np.intp) for a in np.indices((MATCH_WINDOW, MATCH_WINDOW)))
    weights = (gauss / gauss.sum()).astype(np.float32)
    errors = np.empty((ref_h - MATCH_WINDOW + 1, ref_w), dtype=np.float32)
    windows = ref_w - MATCH_WINDOW + 1
    anchors = [(y, x) for y in range(ANCHOR_SPACING // 2, small.shape[0], ANCHOR_SPACING)
               for x in range(ANCHOR_SPACING // 2, small.shape[1], ANCHOR_SPACING)]
    found = []
    for y, x in anchors:
        template = padded[y:y + MATCH_WINDOW, x:x + MATCH_WINDOW].reshape(-1, 1).astype(np.float32)
        _ssd.masked_ssd(sample, MATCH_WINDOW, rows, cols, weights, template, errors)
        best = int(np.argmin(errors[:, :windows]))
        by, bx = divmod(best, windows)
        found.append((float(errors[by, bx]), y, x, ref_small[by + half, bx + half, 1:]))
    found.sort(key=lambda item: item[0])
    known = np.zeros((h, w), dtype=bool)
    chroma = np.zeros((h, w, 2))
    scale_y, scale_x = h / small.shape[0], w / small.shape[1]
    for _, y, x, ab in found[:max(1, int(len(found) * CONFIDENT_SHARE))]:
        top, left = int(y * scale_y), int(x * scale_x)
        block = (slice(top, top + max(1, int(scale_y))), slice(left, left + max(1, int(scale_x))))
        known[block] = True
        chroma[block] = ab
    if known.all():
        return chroma
    return propagate(gray, known, chroma)
