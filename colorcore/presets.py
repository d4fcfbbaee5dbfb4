"""Named training recipes: what the network sees and predicts, its size, the data handling and the
schedule. `python -m colorcore.train --preset NAME` starts from one; any flag overrides a part of it.

- ``seed`` reproduces the original assignment exactly: the 5 x 5 gray window (25 inputs) -> 64 sigmoid
  units -> R, G, B, the original assignment's cost (squared error + lam/(2m) sum w^2) and six-round schedule, every
  pixel of every photo at its own size.
- ``default`` is the recipe of the shipped model (see README, "How good is it"): a 5-level pyramid of
  windows (taps 1 to 16 pixels apart), the detail around the pixel (how much the photo changes there in
  four directions at three scales), the pixel's position, the photo's texture layout (the same measure
  at two scales over a 4 x 4 grid) and its tones (how its gray levels spread over 8 bins, in its upper
  and lower half): 283 inputs -> 128 sigmoid units -> a
  softmax over the 261 in-gamut (a*, b*) cells of side 10 (cross-entropy on soft-encoded targets); each
  photo seen twice, 100 pixels each time, at a working size of 160 pixels: whole (mirrored half the time),
  as prediction sees a photo, and as a flipped, cropped and rescaled copy.
"""
from dataclasses import dataclass, field, replace

from .training import TrainConfig


@dataclass(frozen=True)
class Preset:
    features: str                    # colorcore.extractors pipeline, "name:key=value+name..."
    target: str                      # colorcore.targets name, optionally "name:key=value"
    hidden: tuple                    # hidden layer sizes
    activation: str                  # hidden activation
    working_size: int | None         # longer side the network sees (None: every photo at its own size)
    pixels_per_image: int | None     # pixels sampled from each training photo (None: all)
    augment: bool                    # flips, crops and rescaling of the training photos
    copies: int                      # differently augmented copies of each training photo
    whole_copy: bool                 # the first copy is the whole photo, only mirrored (as prediction sees it)
    skip_gray: bool                  # leave out photos that are already gray
    vividness: float | None          # the model's default vividness (ab-bins only; None: calibrated)
    schedule: TrainConfig = field(default_factory=TrainConfig)


PRESETS = {
    "seed": Preset(features="window:radius=2,padding=edge", target="rgb", hidden=(64,), activation="sigmoid",
                   working_size=None, pixels_per_image=None, augment=False, copies=1, whole_copy=False,
                   skip_gray=False, vividness=None),
    "default": Preset(features="pyramid:levels=5+detail:scales=3+position+texture:grid=4,scales=2+tones:bins=8,bands=2",
                      target="ab-bins:step=10",
                      hidden=(128,), activation="sigmoid", working_size=160, pixels_per_image=100, augment=True,
                      copies=2, whole_copy=True, skip_gray=True, vividness=None,
                      schedule=TrainConfig(patience=3, rounds=3, max_epochs=20)),
}


def preset(name):
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


__all__ = ["PRESETS", "Preset", "preset", "replace"]
