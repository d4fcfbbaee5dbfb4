"""Named training recipes: what the network sees and predicts, its size, the data handling and the
schedule. `python -m colorcore.train --preset NAME` starts from one; any flag overrides a part of it.

- ``seed`` reproduces the original assignment exactly: the 5 x 5 gray window (25 inputs) -> 64 sigmoid
  units -> R, G, B, the seed's cost (squared error + lam/(2m) sum w^2) and six-round schedule, every
  pixel of every photo at its own size.
- ``default`` is the recipe of the shipped model (see README, "Quality"): a 4-level pyramid of windows,
  an 8 x 8 thumbnail of the whole photo and the pixel's position (168 inputs) -> 256 -> 64 tanh units ->
  a softmax over 262 (a*, b*) colour cells (cross-entropy), photos flipped, cropped and rescaled, a
  sample of pixels from each, at a working size of 160 pixels.
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
    skip_gray: bool                  # leave out photos that are already gray
    vividness: float | None          # the model's default vividness (ab-bins only)
    schedule: TrainConfig = field(default_factory=TrainConfig)


PRESETS = {
    "seed": Preset(features="window:radius=2,padding=edge", target="rgb", hidden=(64,), activation="sigmoid",
                   working_size=None, pixels_per_image=None, augment=False, skip_gray=False, vividness=None),
    "default": Preset(features="pyramid:levels=4+thumbnail:size=8+position", target="ab-bins:step=10",
                      hidden=(256, 64), activation="tanh", working_size=160, pixels_per_image=250, augment=True,
                      skip_gray=True, vividness=0.25,
                      schedule=TrainConfig(patience=3, rounds=3, max_epochs=20)),
}


def preset(name):
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


__all__ = ["PRESETS", "Preset", "preset", "replace"]
