"""What the network sees: named per-pixel feature extractors, composed into a pipeline.

An extractor fills a block of columns of one shared (pixels, features) matrix from a gray image; a
pipeline is a list of extractors, recorded in the model file as specs such as
``[{"name": "pyramid", "levels": 4}, {"name": "thumbnail"}, {"name": "position"}]``.
Adding an extractor is one module here with an ``Extractor`` subclass that has ``name``, ``PARAMS`` (its
settings, kept as attributes of the same names), ``width`` and
``fill(gray, out, col0, pixels, n_threads, use_reference)`` (and ``reach``, the context rows it needs, if
it only looks near the pixel), plus its name in ``MODULES`` below. An extractor that describes the whole
photo, the same numbers for every pixel, has ``per_photo = True`` and ``describe(gray)`` instead of
``fill``: the pipeline broadcasts its numbers, or hands them over once (``extract(..., split=True)``) so
that a network can fold them into its first layer's bias (``MLP.with_fixed_inputs``).
"""
from importlib import import_module

import numpy as np

from .._checks import as_float_dtype
from ..threads import threads_for_now

REGISTRY = {}
# one module per extractor, registered on import
MODULES = ("window", "pyramid", "thumbnail", "position", "texture_layout", "tones", "detail")


class Extractor:
    """What every extractor shares: its settings as a dict (for the model file's spec), and the defaults of
    a per-pixel extractor that may look at the whole image."""
    name = None
    PARAMS = ()
    per_photo = False  # True: describe(gray) gives numbers for the whole photo instead of fill()
    reach = None       # context rows a pixel's features need; None: the whole image

    @property
    def params(self):
        return {key: getattr(self, key) for key in self.PARAMS}


def register(cls):
    """Class decorator: make an extractor available by its name."""
    REGISTRY[cls.name] = cls
    return cls


def extractor(spec):
    """An extractor from a spec: a name, "name:key=value,...", or a dict {"name": ..., key: value}."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError(f"a feature spec is a name or a dict with a 'name', got {spec!r}")
    params = {k: v for k, v in spec.items() if k != "name"}
    if spec["name"] not in REGISTRY:
        raise ValueError(f"unknown feature extractor {spec['name']!r}; choose one of {', '.join(sorted(REGISTRY))}")
    cls = REGISTRY[spec["name"]]
    try:
        return cls(**params)
    except TypeError:
        raise ValueError(f"feature {spec['name']!r} takes {', '.join(cls.PARAMS) or 'no settings'}, "
                         f"got {', '.join(params)}") from None


def parse_spec(text):
    """"pyramid:levels=4,radius=2" -> {"name": "pyramid", "levels": 4, "radius": 2} (numbers become ints)."""
    name, _, rest = text.strip().partition(":")
    spec = {"name": name.strip()}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"feature setting {item!r} in {text!r} must look like key=value")
        value = value.strip()
        spec[key.strip()] = int(value) if value.lstrip("-").isdigit() else value
    return spec


def parse_pipeline(text):
    """"pyramid:levels=4+thumbnail+position" (the CLI's --features) -> a list of spec dicts."""
    return [parse_spec(part) for part in text.split("+") if part.strip()]


class FeaturePipeline:
    """Extractors side by side: pixel (y, x) of a gray image becomes row y * W + x of the feature matrix."""

    def __init__(self, specs):
        if isinstance(specs, str):
            specs = parse_pipeline(specs)
        self.extractors = [extractor(spec) for spec in specs]
        if not self.extractors:
            raise ValueError("a feature pipeline needs at least one extractor")

    @property
    def width(self):
        return sum(e.width for e in self.extractors)

    @property
    def local_reach(self):
        """Rows of context a pixel's features need when every extractor is a plain window (so an image can
        be featurized in bands); None when some extractor looks at the whole image."""
        reaches = [e.reach for e in self.extractors]
        return None if None in reaches else max(reaches)

    @property
    def photo_columns(self):
        """Indices of the columns that are the same for every pixel of a photo (per-photo extractors')."""
        columns, col = [], 0
        for e in self.extractors:
            if e.per_photo:
                columns.extend(range(col, col + e.width))
            col += e.width
        return np.array(columns, dtype=np.intp)

    def specs(self):
        return [{"name": e.name, **e.params} for e in self.extractors]

    def extract(self, gray, dtype="float32", n_threads=None, use_reference=False, pixels=None, split=False):
        """(H * W, width) features of a (H, W) gray image in [0, 1]; with `pixels` (flat indices y * W + x)
        only the rows of those pixels, in that order (training samples a few pixels of each photo).
        split=True returns (the per-pixel columns only, the photo_columns' values as one vector)."""
        gray = np.asarray(gray)
        if gray.ndim != 2:
            raise ValueError(f"features are extracted from a 2-D gray image, got shape {gray.shape}")
        dtype = as_float_dtype(dtype)
        gray = np.ascontiguousarray(gray, dtype=dtype)
        if not np.isfinite(gray).all():
            raise ValueError("the gray image contains NaN or infinite values")
        if pixels is not None:
            pixels = np.ascontiguousarray(pixels, dtype=np.intp)
            if pixels.ndim != 1 or (pixels.size and not 0 <= pixels.min() <= pixels.max() < gray.size):
                raise ValueError(f"pixels must be flat indices into the {gray.shape} image")
        n_photo = len(self.photo_columns) if split else 0
        out = np.empty((gray.size if pixels is None else len(pixels), self.width - n_photo), dtype=dtype)
        photo = []
        if len(out) or split:
            threads = threads_for_now() if n_threads is None else max(1, int(n_threads))
            col = 0
            for e in self.extractors:
                if e.per_photo:
                    numbers = e.describe(gray)
                    if split:
                        photo.append(numbers)
                        continue
                    out[:, col:col + e.width] = numbers  # one row, broadcast to every pixel
                else:
                    e.fill(gray, out, col, pixels, threads, use_reference)
                col += e.width
        if split:
            return out, np.concatenate(photo).astype(dtype) if photo else np.empty(0, dtype)
        return out

    def __eq__(self, other):
        return isinstance(other, FeaturePipeline) and self.specs() == other.specs()

    def __repr__(self):
        return "FeaturePipeline(" + " + ".join(
            e.name + (":" + ",".join(f"{k}={v}" for k, v in e.params.items()) if e.params else "")
            for e in self.extractors) + ")"


def fill_windows(image, radius, step, padding, out, col0, pixels, n_threads, use_reference):
    """A (2 radius + 1)^2 window with taps `step` apart into columns col0.. of out (pyx/windows.pyx)."""
    from .. import _windows, reference
    from ..features import padding_code

    kernels = reference if use_reference else _windows
    if pixels is None:
        kernels.context_windows(image, radius, step, padding_code(padding), out, col0, n_threads)
    else:
        kernels.context_windows_at(image, radius, step, padding_code(padding), pixels, out, col0)


def check_int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return int(value)


for _module in MODULES:
    import_module(f".{_module}", __name__)
