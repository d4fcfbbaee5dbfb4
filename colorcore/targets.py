"""What the network predicts and how its outputs become colours, by name.

- ``rgb`` (the seed): R, G, B through sigmoid outputs, squared error.
- ``lab``: the chroma a*, b* of CIE Lab through sigmoid outputs, squared error; the output keeps the
  input's lightness.
- ``ab-bins`` (Zhang, Isola & Efros, ECCV 2016): a softmax over the (a*, b*) grid cells that hold a
  displayable colour, trained with cross-entropy on soft-encoded targets (each pixel's colour spread over
  its 5 nearest cells by a Gaussian). A distribution can say "blue or green, not brown", which a mean
  cannot; `vividness` chooses how it is read (see ChromaBins.chroma).

Every target turns outputs into Lab chroma (H, W, 2) with `chroma(outputs, shape, vividness)`
(use_reference=True: through the NumPy twin of a decoding kernel, where there is one); the colorizer puts
that chroma on the input's lightness (features.chroma_to_rgb).
"""
from functools import lru_cache

import numpy as np
from skimage import color

from . import _colour, reference
from .features import CHROMA_SCALE

TARGET_NAMES = ("rgb", "lab", "ab-bins")


def target_from_spec(spec):
    """A target from its name or its recorded spec {"name": ..., settings...}."""
    spec = {"name": spec} if isinstance(spec, str) else dict(spec)
    name = spec.pop("name", None)
    classes = {"rgb": RGBTarget, "lab": LabTarget, "ab-bins": ChromaBins}
    if name not in classes:
        raise ValueError(f"unknown target {name!r}; choose one of {', '.join(TARGET_NAMES)}")
    try:
        return classes[name](**spec)
    except TypeError:
        raise ValueError(f"target {name!r} does not take the settings {', '.join(spec)}") from None


def check_vividness(vividness):
    if vividness is None:
        return None
    try:
        value = float(vividness)
    except (TypeError, ValueError):
        raise ValueError(f"vividness must be a number from 0 to 1, got {vividness!r}") from None
    if not 0 <= value <= 1:
        raise ValueError(f"vividness must be a number from 0 to 1, got {vividness!r}")
    return value


class RGBTarget:
    name, output, loss, n_outputs = "rgb", "sigmoid", "squared_error", 3
    reads_logits = False

    def spec(self):
        return {"name": self.name}

    def encode(self, rgb):
        """(n, 3) RGB in [0, 1] -> network targets."""
        return np.asarray(rgb, dtype=np.float64).reshape(-1, 3)

    def rgb(self, outputs, shape):
        return np.clip(outputs.reshape(*shape, 3).astype(np.float64), 0, 1)

    def chroma(self, outputs, shape, vividness=None, use_reference=False):
        return color.rgb2lab(self.rgb(outputs, shape))[..., 1:]


class LabTarget:
    name, output, loss, n_outputs = "lab", "sigmoid", "squared_error", 2
    reads_logits = False

    def spec(self):
        return {"name": self.name}

    def encode(self, rgb):
        ab = color.rgb2lab(np.asarray(rgb, dtype=np.float64).reshape(-1, 1, 3))[:, 0, 1:]
        return ab / (2 * CHROMA_SCALE) + 0.5

    def chroma(self, outputs, shape, vividness=None, use_reference=False):
        return (outputs.reshape(*shape, 2).astype(np.float64) - 0.5) * (2 * CHROMA_SCALE)


@lru_cache(maxsize=8)
def gamut_cells(step):
    """Centres (Q, 2) of the step x step (a*, b*) cells that some sRGB colour falls in (any lightness)."""
    levels = np.linspace(0, 1, 48)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 1, 3)
    ab = color.rgb2lab(rgb)[:, 0, 1:]
    cells = np.unique(np.round(ab / step).astype(np.int64), axis=0)
    centres = (cells * step).astype(np.float64)
    centres.setflags(write=False)
    return centres


class ChromaBins:
    """Softmax over in-gamut (a*, b*) cells of side `step`.

    prior: how often each cell occurs in the training photos (smoothed; set by fit_prior and kept in the
    model file). vividness v reads the predicted distribution p as
        q ∝ (p * w^(v R))^(1 / T),  T = 1 - v (1 - T1),  w = 1 / (0.5 prior + 0.5 / Q)
    and returns the mean colour of q. At v = 0 that is the plain mean of p (closest to the truth on
    average: best PSNR); towards v = 1 rare colours are weighted up by the inverse of their prior ("class
    rebalancing", strength R = vivid_rebalance) and the distribution sharpened ("annealed mean",
    temperature T1 = vivid_temperature; Zhang et al. use R 1, T1 0.38). colorcore.vividness sets R and
    T1 per model on validation photos: the most colourful reading that stays closer to the truth than
    the gray image.
    """

    name, output, loss = "ab-bins", "identity", "softmax_cross_entropy"
    reads_logits = True      # chroma() takes the network's logits, not its probabilities
    NEIGHBOURS = 5           # cells that share a pixel's soft-encoded target
    MIN_TEMPERATURE = 0.38   # Zhang et al.'s annealed mean: the vivid end until calibrated

    def __init__(self, step=10, prior=None, vivid_rebalance=1.0, vivid_temperature=MIN_TEMPERATURE):
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or not 4 <= step <= 40:
            raise ValueError(f"ab-bins step must be an integer from 4 to 40, got {step!r}")
        self.step = int(step)
        self.centres = gamut_cells(self.step)
        self.n_outputs = len(self.centres)
        self._centres_by_channel = np.ascontiguousarray(self.centres.T, dtype=np.float32)  # (2, Q), for the kernel
        if prior is None:
            self.prior = np.full(self.n_outputs, 1 / self.n_outputs)
        else:
            prior = np.asarray(prior, dtype=np.float64)
            if prior.shape != (self.n_outputs,) or not np.isfinite(prior).all() or (prior < 0).any() or prior.sum() <= 0:
                raise ValueError(f"ab-bins prior must be {self.n_outputs} non-negative numbers for step {self.step}")
            self.prior = prior / prior.sum()
        self.vivid_rebalance, self.vivid_temperature = float(vivid_rebalance), float(vivid_temperature)
        if not (0 <= self.vivid_rebalance <= 4 and 0.1 <= self.vivid_temperature <= 1):
            raise ValueError("ab-bins vivid_rebalance must be in [0, 4] and vivid_temperature in [0.1, 1], got "
                             f"{vivid_rebalance!r} and {vivid_temperature!r}")

    def spec(self):
        return {"name": self.name, "step": self.step, "prior": [round(float(p), 8) for p in self.prior],
                "vivid_rebalance": self.vivid_rebalance, "vivid_temperature": self.vivid_temperature}

    def encode(self, rgb, chunk=65536):
        """(n, 3) RGB in [0, 1] -> (n, Q) float32 soft targets: Gaussian weights (sigma step / 2) on the
        5 nearest cells, summing to 1."""
        ab = color.rgb2lab(np.asarray(rgb, dtype=np.float64).reshape(-1, 1, 3))[:, 0, 1:]
        out = np.zeros((len(ab), self.n_outputs), np.float32)
        sigma = self.step / 2
        for start in range(0, len(ab), chunk):
            part = ab[start:start + chunk]
            d2 = ((part[:, None, :] - self.centres[None]) ** 2).sum(-1)
            nearest = np.argpartition(d2, self.NEIGHBOURS, axis=1)[:, :self.NEIGHBOURS]
            weights = np.exp(-(np.take_along_axis(d2, nearest, 1) - d2.min(1, keepdims=True)) / (2 * sigma**2))
            weights /= weights.sum(1, keepdims=True)
            np.put_along_axis(out[start:start + chunk], nearest, weights.astype(np.float32), 1)
        return out

    def fit_prior(self, targets):
        """Set the prior from soft targets (n, Q), smoothed over neighbouring cells (sigma one cell)."""
        counts = np.asarray(targets, dtype=np.float64).sum(axis=0)
        d2 = ((self.centres[:, None] - self.centres[None]) ** 2).sum(-1)
        smoothed = np.exp(-d2 / (2 * self.step**2)) @ counts
        self.prior = smoothed / smoothed.sum()

    def rebalancing(self):
        weights = 1 / (0.5 * self.prior + 0.5 / self.n_outputs)
        return weights / (self.prior * weights).sum()

    def chroma(self, logits, shape, vividness=0.0, use_reference=False):
        """Network logits (n, Q) -> (shape, 2) chroma at a vividness from 0 to 1 (see the class docstring)."""
        v = 0.0 if vividness is None else vividness
        return self.decode(logits, v * self.vivid_rebalance, 1 - v * (1 - self.vivid_temperature),
                           use_reference=use_reference).reshape(*shape, 2)

    def decode(self, logits, rebalance, temperature, n_threads=1, use_reference=False):
        """(n, 2) chroma: the mean of q ∝ exp((z + rebalance log w) / temperature), which is
        (p w^rebalance)^(1 / temperature) for p = softmax(z), read straight from the logits z
        (pyx/colour.pyx's softmax_mean)."""
        logits = np.ascontiguousarray(logits, dtype=np.float32)
        shift = np.ascontiguousarray(rebalance / temperature * np.log(self.rebalancing()), dtype=np.float32)
        out = np.empty((len(logits), 2))
        kernels = reference if use_reference else _colour
        kernels.softmax_mean(logits, 1 / temperature, shift, self._centres_by_channel, out, n_threads)
        return out
