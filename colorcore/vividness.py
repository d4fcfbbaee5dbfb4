"""Calibrating the vividness scale of a model that predicts colour distributions (target ab-bins), on
validation photos it did not train on.

1. The vivid end (vividness 1): of a grid of readings (rebalancing strength R, temperature T1), the
   most colourful one whose pooled PSNR stays at least SAFETY_DB above the gray image's on every set of
   photos given. "As vivid as it can be without being further from the truth than the gray photo."
   (If no reading is that safe, the one that loses least against the gray image.)
2. The default: the largest vividness (in steps of 0.1) whose PSNR margin over gray is within
   DEFAULT_COST_DB of the margin at vividness 0, on every set: colour for free, or nearly. If that is
   less than DEFAULT_COLOURFULNESS of the originals' colour on some set, the least vivid setting that
   reaches it everywhere, when that costs at most MAX_DEFAULT_COST_DB: a default that still looks
   washed out is the complaint this scale exists to answer.

The network runs once per photo (on a sample of its pixels); every reading reuses its logits.
"""
import numpy as np

from .features import chroma_to_rgb
from .report import as_unit_floats, colourfulness
from .threads import threads_for_now

# The vivid end keeps this much above the gray image on the validation photos, so that vividness 1 does
# not fall below the gray image on photos it has not seen (50 CIFAR photos put the shipped model's vivid
# end 0.7 dB higher than all 271 did: hence every photo, and a sample of the pixels of large ones).
SAFETY_DB = 0.2
DEFAULT_COST_DB = 0.1
DEFAULT_COLOURFULNESS = 0.5
MAX_DEFAULT_COST_DB = 0.25
PIXELS_PER_PHOTO = 4096
# Measured on a first model: sharpening (temperature < 1) costs PSNR for little colour; rebalancing buys
# most of the colour, so the grid is finer there. Steps of 0.125: on the shipped model's CIFAR
# validation photos a step of 0.25 jumped from 0.44 dB over gray to -0.08, past the safe end.
REBALANCE_GRID = (0.5, 0.625, 0.75, 0.875, 1.0, 1.125, 1.25, 1.375, 1.5)
TEMPERATURE_GRID = (1.0, 0.8)
SCALE_STEP = 0.1


class _PhotoSet:
    """One folder's validation photos at the working size, for at most PIXELS_PER_PHOTO pixels of each
    (a seeded sample: the features see the whole photo, and pooled error and colour statistics need only
    a sample), with the network's logits and what every reading is compared with, computed once."""

    def __init__(self, colorizer, photos, seed=0):
        rng = np.random.default_rng(seed)
        self.photos = []
        for photo in photos:
            rgb = colorizer.working_rgb(as_unit_floats(photo))
            gray = colorizer.gray(rgb)
            pixels = None
            if gray.size > PIXELS_PER_PHOTO:
                pixels = np.sort(rng.choice(gray.size, PIXELS_PER_PHOTO, replace=False))
            X = colorizer.features.extract(gray, colorizer.network.dtype, pixels=pixels)
            if pixels is not None:
                gray, rgb = gray.reshape(-1)[pixels], rgb.reshape(-1, 3)[pixels]
            self.photos.append((gray.reshape(1, -1), rgb.reshape(1, -1, 3), colorizer.network_outputs(X)))
        self.gray_squared = sum(float(np.sum((gray[..., None] - rgb) ** 2)) for gray, rgb, _ in self.photos)
        self.original_colour = sum(colourfulness(rgb) for _, rgb, _ in self.photos)

    def score(self, colorizer, rebalance, temperature):
        """{"margin_db": PSNR margin over the gray image, "colourfulness": pooled ratio} of one reading."""
        squared = colour = 0.0
        for gray, rgb, logits in self.photos:
            chroma = colorizer.target.decode(logits, rebalance, temperature).reshape(*gray.shape, 2)
            out = chroma_to_rgb(gray, chroma, colorizer.gray_weights, threads_for_now())
            squared += float(np.sum((out - rgb) ** 2))
            colour += colourfulness(out)
        # Guards for degenerate sets (gray photos only, or a perfect reading): no division by zero.
        if squared == 0:
            margin = float("inf")
        elif self.gray_squared == 0:
            margin = float("-inf")
        else:
            margin = float(10 * np.log10(self.gray_squared / squared))
        ratio = colour / self.original_colour if self.original_colour else float("nan")
        return {"margin_db": round(margin, 3), "colourfulness": round(ratio, 3)}


def calibrate(colorizer, photo_sets, progress=None):
    """Set colorizer.target's vivid end and colorizer.vividness from {name: validation photos}; returns the
    table of what was measured (for metrics.json)."""
    if colorizer.target.name != "ab-bins":
        raise ValueError(f"vividness calibration needs an ab-bins model, not {colorizer.target.name}")
    sets = {name: _PhotoSet(colorizer, photos) for name, photos in photo_sets.items() if len(photos)}
    if not sets:
        raise ValueError("vividness calibration needs validation photos")
    target = colorizer.target

    def scores(rebalance, temperature):
        return {name: photo_set.score(colorizer, rebalance, temperature) for name, photo_set in sets.items()}

    ends = []
    for rebalance in REBALANCE_GRID:
        for temperature in TEMPERATURE_GRID:
            ends.append({"rebalance": rebalance, "temperature": temperature, **scores(rebalance, temperature)})
            if progress:
                progress(ends[-1])
    safe = [e for e in ends if all(e[name]["margin_db"] >= SAFETY_DB for name in sets)]
    if safe:
        best = max(safe, key=lambda e: min(e[name]["colourfulness"] for name in sets))
    else:  # a weak model: the reading that loses least against the gray image
        best = max(ends, key=lambda e: min(e[name]["margin_db"] for name in sets))
    target.vivid_rebalance, target.vivid_temperature = best["rebalance"], best["temperature"]
    scale = [{"vividness": float(v), **scores(v * target.vivid_rebalance, 1 - v * (1 - target.vivid_temperature))}
             for v in np.round(np.arange(0, 1 + SCALE_STEP / 2, SCALE_STEP), 2)]
    colorizer.vividness = default_vividness(scale, list(sets))
    return {"vivid_end": {"rebalance": target.vivid_rebalance, "temperature": target.vivid_temperature},
            "default_vividness": colorizer.vividness, "ends": ends, "scale": scale}


def default_vividness(scale, names):
    """The default from the scale's readings (see the module's docstring, step 2)."""
    def cost(s):
        return max(scale[0][name]["margin_db"] - s[name]["margin_db"] for name in names)

    def colourful(s):
        return all(s[name]["colourfulness"] >= DEFAULT_COLOURFULNESS for name in names)

    free = max((s for s in scale if cost(s) <= DEFAULT_COST_DB), key=lambda s: s["vividness"])
    if colourful(free):
        return free["vividness"]
    enough = [s["vividness"] for s in scale
              if s["vividness"] > free["vividness"] and colourful(s) and cost(s) <= MAX_DEFAULT_COST_DB]
    return min(enough, default=free["vividness"])
