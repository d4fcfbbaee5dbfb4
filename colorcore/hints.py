"""Colour hints: the colours a user paints where they know them, read, checked and spread over the photo.

A hint image is what a user gets by painting on a transparent layer over the photo in any image editor
and exporting it as PNG: RGBA of the photo's size, where pixels with alpha > 0 ask for their colour
there and the rest are transparent. A (mask, colours) pair of arrays says the same. Only the hint's
chroma is used: the photo keeps its own lightness.

- propagate_hints(): the hints alone, spread along the photo's lightness (Levin et al. 2004).
- colorize(image, hints=...) (colorcore.colorizer): the hints set each region's colour and the network
  adds its colour detail within it (combine() below).
"""
import numpy as np
from skimage import color

from .features import GRAY_WEIGHTS, chroma_to_rgb, gray_of_image
from .images import as_float_image, from_float_image
from .propagate import propagate
from .threads import threads_for_now

# How much of the network's colour detail rides on top of the hints' propagation (see combine()).
# Chosen on the validation photos by bench/bench_hints.py choose-share: 0.5 to 0.75 beat both 0 (the
# hints alone) and 1 on CIFAR and scene photos; a data term pulling towards the network's chroma (the
# other way to use it as a prior) lost to the hints alone at every weight tried.
PRIOR_SHARE = 0.6


def read_hints(hints, shape):
    """(known (H, W) bool, chroma (H, W, 2) Lab a*, b*, 0 where not known) from a user's hints.

    hints: an RGBA image (numpy array or PIL image; alpha > 0 marks a hint), or a (mask, colours) pair:
    mask (H, W) of booleans and colours either (H, W, 3) RGB or (n, 3) RGB for the n masked pixels, as
    uint8 or floats in [0, 1]. shape: the photo's (H, W). Raises ValueError, saying what to change.
    """
    if isinstance(hints, tuple):
        if len(hints) != 2:
            raise ValueError(f"hints as a tuple must be (mask, colours), got {len(hints)} items")
        known, rgb = _mask_and_colours(*hints, shape)
    else:
        known, rgb = _rgba_hints(hints, shape)
    if known.all():
        raise ValueError("every pixel is hinted, so there is nothing left to colorize; hints mark a few pixels "
                         "(is the hint layer's background transparent?)")
    chroma = np.zeros(shape + (2,))
    if known.any():
        chroma[known] = color.rgb2lab(rgb.reshape(-1, 1, 3))[:, 0, 1:]
    return known, chroma


def _rgba_hints(hints, shape):
    floats, _, _ = as_float_image(hints, "hints")
    if floats.shape[2] != 4:
        raise ValueError(f"the hint image has no alpha channel ({floats.shape[2]} channel"
                         f"{'s' if floats.shape[2] != 1 else ''}); paint the hints on a transparent layer and "
                         "save it as RGBA PNG, or pass (mask, colours)")
    _check_shape(floats.shape[:2], shape)
    known = floats[:, :, 3] > 0
    return known, floats[:, :, :3][known]


def _mask_and_colours(mask, colours, shape):
    mask = np.asarray(mask)
    if mask.dtype != bool and not (mask.dtype.kind in "iuf" and np.isin(mask, (0, 1)).all()):
        raise ValueError("the hint mask must hold booleans (or 0 and 1)")
    known = mask.astype(bool)
    if known.ndim != 2:
        raise ValueError(f"the hint mask must be (H, W), got shape {known.shape}")
    _check_shape(known.shape, shape)
    colours = np.asarray(colours)
    if colours.ndim == 3 and colours.shape[:2] == known.shape:
        colours = colours[known]
    if colours.ndim != 2 or colours.shape != (int(known.sum()), 3):
        raise ValueError(f"hint colours must be (H, W, 3) or one RGB row per masked pixel "
                         f"({int(known.sum())}, 3), got shape {colours.shape}")
    floats, _, _ = as_float_image(colours[:, None, :], "hint colours")
    return known, floats[:, 0, :]


def _check_shape(got, shape):
    if tuple(got) != tuple(shape):
        raise ValueError(f"the hints are {got[1]}x{got[0]} pixels but the photo is {shape[1]}x{shape[0]}; "
                         "draw them on a layer of the photo's size")


def combine(gray, known, chroma, prior_chroma, share=PRIOR_SHARE):
    """Hints and the network's chroma together: x = b n + propagate(h - b n), b = share (1 - hinted share).

    The hints set the colour of each region, and b of the network's own variation within it is kept (the
    propagation minimises the differences of x - b n between similar neighbours, so x keeps b n's
    differences). Hinted pixels get exactly their hint; with fewer hints the network's detail counts for
    more, and b falls to 0 as the hints cover the photo.
    """
    if not known.any():
        return prior_chroma
    kept = share * (1 - known.mean())
    offsets = propagate(gray, known, np.where(known[..., None], chroma - kept * prior_chroma, 0.0))
    return offsets + kept * prior_chroma


def with_prior(gray, prior_chroma, hints, share=PRIOR_SHARE):
    """Chroma (H, W, 2) from the user's hints (read_hints) and the network's chroma (see combine())."""
    return combine(gray, *read_hints(hints, gray.shape), prior_chroma, share)


def propagate_hints(image, hints, gray_weights=GRAY_WEIGHTS):
    """Colorize from the hints alone (no network): Levin, Lischinski & Weiss's colour propagation.

    Parameters
    ----------
    image : the gray photo (or a colour one, turned gray): numpy array or PIL image, uint8 or [0, 1] floats
    hints : an RGBA image of the photo's size (alpha > 0 marks a hint) or a (mask, colours) pair, as
        read_hints() takes them; at least one pixel must be hinted
    gray_weights : the luma weights that turn a colour image gray

    Returns
    -------
    RGB array (H, W, 3) with the photo's luma: uint8 for uint8 input, float64 in [0, 1] otherwise.
    """
    gray, dtype = gray_of_image(image, gray_weights)
    known, chroma = read_hints(hints, gray.shape)
    if not known.any():
        raise ValueError("the hints mark no pixel (every alpha is 0); paint at least one colour")
    chroma = propagate(gray, known, chroma)
    return from_float_image(chroma_to_rgb(gray, chroma, gray_weights, threads_for_now()), dtype, False)
