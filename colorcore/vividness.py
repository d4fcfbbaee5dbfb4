"""Calibrating the vividness scale of a model that predicts colour distributions (target ab-bins), on
validation photos it did not train on.

1. The vivid end (vividness 1): of a grid of readings (rebalancing strength R, temperature T1), the
   most colourful one whose pooled PSNR stays at least SAFETY_DB above the gray image's on every set of
   photos given. "As vivid as it can be without being further from the truth than the gray photo."
   (If no reading is that safe, the one that loses least against the gray image.)
2. The default: the largest vividness (in steps of 0.1) whose PSNR margin over gray is within
   DEFAULT_COST_DB of the margin at vividness 0, on every set: colour for free, or nearly.

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
PIXELS_PER_PHOTO = 4096
# Measured on a first model: sharpening (temperature < 1) costs PSNR for little colour; rebalancing buys
# most of the colour, so the grid is finer there.
REBALANCE_GRID = (0.5, 0.625, 0.75, 0.875, 1.0, 1.25, 1.5)
TEMPERATURE_GRID = (1.0, 0.8)
SCALE_STEP = 0.1


def _prepared(colorizer, photos, seed=0):
    """[(gray, rgb, logits)] at the working size (where the network sees them), for at most
    PIXELS_PER_PHOTO pixels of each photo (a seeded sample: the features see the whole photo, and pooled
    error and colour statistics need only a sample)."""
    rng = np.random.default_rng(seed)
    prepared = []
    for photo in photos:
        rgb = colorizer.working_rgb(as_unit_floats(photo))
        gray = colorizer.gray(rgb)
        pixels = None
        if gray.size > PIXELS_PER_PHOTO:
            pixels = np.sort(rng.choice(gray.size, PIXELS_PER_PHOTO, replace=False))
        X = colorizer.features.extract(gray, colorizer.network.dtype, pixels=pixels)
        if pixels is not None:
            gray, rgb = gray.reshape(-1)[pixels], rgb.reshape(-1, 3)[pixels]
        prepared.append((gray.reshape(1, -1), rgb.reshape(1, -1, 3), colorizer.network_outputs(X)))
    return prepared


def _score(colorizer, prepared, rebalance, temperature):
    """(PSNR margin over the gray image in dB, pooled colourfulness ratio) of one reading."""
    squared = gray_squared = colour = original_colour = 0.0
    for gray, rgb, logits in prepared:
        chroma = colorizer.target.decode(logits, rebalance, temperature).reshape(*gray.shape, 2)
        out = chroma_to_rgb(gray, chroma, colorizer.gray_weights, threads_for_now())
        squared += float(np.sum((out - rgb) ** 2))
        gray_squared += float(np.sum((gray[..., None] - rgb) ** 2))
        colour += colourfulness(out)
        original_colour += colourfulness(rgb)
    # Guards for degenerate sets (gray photos only, or a perfect reading): no division by zero.
    if squared == 0:
        margin = float("inf")
    elif gray_squared == 0:
        margin = float("-inf")
    else:
        margin = float(10 * np.log10(gray_squared / squared))
    return margin, (colour / original_colour if original_colour else float("nan"))


def calibrate(colorizer, photo_sets, progress=None):
    """Set colorizer.target's vivid end and colorizer.vividness from {name: validation photos}; returns the
    table of what was measured (for metrics.json)."""
    if colorizer.target.name != "ab-bins":
        raise ValueError(f"vividness calibration needs an ab-bins model, not {colorizer.target.name}")
    sets = {name: _prepared(colorizer, photos) for name, photos in photo_sets.items() if len(photos)}
    if not sets:
        raise ValueError("vividness calibration needs validation photos")
    target = colorizer.target
    ends = []
    for rebalance in REBALANCE_GRID:
        for temperature in TEMPERATURE_GRID:
            scores = {name: _score(colorizer, p, rebalance, temperature) for name, p in sets.items()}
            ends.append({"rebalance": rebalance, "temperature": temperature,
                         **{name: {"margin_db": round(m, 3), "colourfulness": round(c, 3)}
                            for name, (m, c) in scores.items()}})
            if progress:
                progress(ends[-1])
    safe = [e for e in ends if all(e[name]["margin_db"] >= SAFETY_DB for name in sets)]
    if safe:
        best = max(safe, key=lambda e: min(e[name]["colourfulness"] for name in sets))
    else:  # a weak model: the reading that loses least against the gray image
        best = max(ends, key=lambda e: min(e[name]["margin_db"] for name in sets))
    target.vivid_rebalance, target.vivid_temperature = best["rebalance"], best["temperature"]
    scale = []
    for v in np.round(np.arange(0, 1 + SCALE_STEP / 2, SCALE_STEP), 2):
        rebalance, temperature = v * target.vivid_rebalance, 1 - v * (1 - target.vivid_temperature)
        scores = {name: _score(colorizer, p, rebalance, temperature) for name, p in sets.items()}
        scale.append({"vividness": float(v), **{name: {"margin_db": round(m, 3), "colourfulness": round(c, 3)}
                                                 for name, (m, c) in scores.items()}})
    colorizer.vividness = max(s["vividness"] for s in scale if all(
        s[name]["margin_db"] >= scale[0][name]["margin_db"] - DEFAULT_COST_DB for name in sets))
    return {"vivid_end": {"rebalance": target.vivid_rebalance, "temperature": target.vivid_temperature},
            "default_vividness": colorizer.vividness, "ends": ends, "scale": scale}
