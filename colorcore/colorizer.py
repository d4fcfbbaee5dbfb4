"""Colorize gray images with a trained network (the command line is colorcore/colorize.py).

A colorizer is an MLP plus the settings that say what it sees and predicts (window radius, padding,
target). `colorize(image)` uses the model shipped inside the package unless given another.
"""
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path

import numpy as np

from .features import (GRAY_WEIGHTS, check_radius, check_target, context_windows, decode_output, encode_target,
                       n_outputs, padding_code, to_gray, window_size)
from .images import as_float_image, to_uint8
from .io import load_model_file, save_model
from .threads import threads_for_now
from .nn import MLP

BAND_ROWS = 64  # image rows colorized at a time: bounds memory, and bands run on parallel threads


def default_model_path():
    return Path(str(resources.files("colorcore") / "data" / "colorizer.npz"))


def as_rgb_floats(image):
    """(H, W, 3) float64 in [0, 1] from a gray or colour image (uint8/float array or PIL image); an alpha
    channel is dropped and a gray image repeated into three channels."""
    floats, _, _ = as_float_image(image)
    if floats.shape[2] == 2:
        raise ValueError(f"an image must be gray, RGB or RGBA, got {floats.shape[2]} channels")
    return np.repeat(floats, 3, axis=2) if floats.shape[2] == 1 else floats[:, :, :3]


class Colorizer:
    """An MLP that maps the gray context window around each pixel to that pixel's colour.

    Parameters
    ----------
    network : MLP with (2 radius + 1)^2 inputs and 3 (target "rgb") or 2 (target "lab") outputs
    radius : context window radius (2: a 5 x 5 window, 25 inputs)
    padding : "edge", "reflect" or "zero" at the image borders
    target : "rgb" (predict R, G, B) or "lab" (predict the chroma a, b; the output keeps the input's luma)
    """

    def __init__(self, network, radius=2, padding="edge", target="lab", gray_weights=GRAY_WEIGHTS):
        self.radius, self.target = check_radius(radius), check_target(target)
        padding_code(padding)
        self.padding = padding
        self.gray_weights = tuple(float(w) for w in gray_weights)
        if network.n_inputs != window_size(self.radius) or network.n_outputs != n_outputs(self.target):
            raise ValueError(f"a radius-{self.radius} {self.target} colorizer needs a network with "
                             f"{window_size(self.radius)} inputs and {n_outputs(self.target)} outputs, got "
                             f"{network.layer_sizes}")
        self.network = network

    @classmethod
    def new(cls, hidden=(64,), activation="sigmoid", radius=2, padding="edge", target="lab", dtype="float32", seed=0):
        """A freshly initialised colorizer."""
        sizes = [window_size(check_radius(radius)), *hidden, n_outputs(target)]
        return cls(MLP(sizes, hidden=activation, output="sigmoid", dtype=dtype, seed=seed), radius, padding, target)

    # -- data --------------------------------------------------------------------------------------------
    def gray(self, rgb):
        return to_gray(rgb, self.gray_weights)

    def inputs(self, gray, n_threads=None):
        return context_windows(gray, self.radius, self.padding, self.network.dtype, n_threads=n_threads)

    def training_pairs(self, images):
        """Network inputs X and targets T for a stack of RGB images (N, H, W, 3), uint8 or [0, 1] floats."""
        rgb = np.asarray(images, dtype=np.float64)
        if np.asarray(images).dtype == np.uint8:
            rgb = rgb / 255
        X = np.concatenate([self.inputs(self.gray(image)) for image in rgb])
        T = np.concatenate([encode_target(image, self.target) for image in rgb]).astype(self.network.dtype)
        return X, np.ascontiguousarray(T)

    # -- use ---------------------------------------------------------------------------------------------
    def fit(self, train_images, val_images, config=None, progress=True):
        """Train on RGB image stacks with the seed's schedule (see colorcore.train); returns the history."""
        from .train import TrainConfig, fit

        X, T = self.training_pairs(train_images)
        Xv, Tv = self.training_pairs(val_images)
        return fit(self.network, X, T, Xv, Tv, config or TrainConfig(), progress=progress).history

    def predict(self, image):
        """Colorize one image of any size (a colour image is turned gray first).

        Returns RGB (H, W, 3) in the input's dtype (uint8 in, uint8 out; float in, float64 in [0, 1] out).
        """
        gray = self.gray(as_rgb_floats(image))
        out = self.predict_gray(gray)
        return to_uint8(out) if np.asarray(image).dtype == np.uint8 else out

    def predict_gray(self, gray):
        """(H, W) gray in [0, 1] -> (H, W, 3) RGB floats; bands of rows run on parallel threads (as many as
        there are cores that no other program keeps busy)."""
        h, w = gray.shape
        out = np.empty((h, w, 3))

        def band(y0):
            # The band plus `radius` rows of real context either side, so band edges see true neighbours.
            top, bottom = max(0, y0 - self.radius), min(h, y0 + BAND_ROWS + self.radius)
            y1 = min(h, y0 + BAND_ROWS)
            outputs = self.network.predict(self.inputs(gray[top:bottom], n_threads=1))  # bands share the cores
            outputs = outputs.reshape(bottom - top, w, -1)[y0 - top:y1 - top].reshape((y1 - y0) * w, -1)
            out[y0:y1] = decode_output(gray[y0:y1], outputs, self.target, self.gray_weights)

        starts = range(0, h, BAND_ROWS)
        threads = min(threads_for_now(), len(starts))
        if threads > 1:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(band, starts))
        else:
            for y0 in starts:
                band(y0)
        return out

    # -- files -------------------------------------------------------------------------------------------
    def header(self):
        net = self.network
        return {"layer_sizes": net.layer_sizes, "hidden": net.hidden, "output": net.output, "dtype": net.dtype.name,
                "radius": self.radius, "padding": self.padding, "target": self.target,
                "gray_weights": list(self.gray_weights)}

    def save(self, path, notes=None):
        """Write the model file (.npz arrays + JSON header, no pickle) atomically; `notes` (text, such as how
        the model was trained) is kept in the header."""
        header = self.header()
        if notes:
            header["notes"] = str(notes)
        return save_model(path, self.network.params, header)

    @classmethod
    def load(cls, path=None):
        """Read a model file written by save(); None loads the model shipped with colorcore."""
        path = default_model_path() if path is None else Path(path)
        params, header = load_model_file(path)
        try:
            network = MLP(header["layer_sizes"], header["hidden"], header["output"], header["dtype"])
            if params.size != network.params.size:
                raise ValueError(f"{params.size} weights for layers {header['layer_sizes']}, which need "
                                 f"{network.params.size}")
            network.params[...] = params
            return cls(network, header["radius"], header["padding"], header["target"], header["gray_weights"])
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"{path}: inconsistent colorcore model ({err})") from None

    def __repr__(self):
        return (f"Colorizer(radius={self.radius}, padding={self.padding!r}, target={self.target!r}, "
                f"network={self.network!r})")


def colorcore_model_info(path=None):
    """The header of a model file (the shipped one by default): sizes, target, radius, how it was made."""
    return load_model_file(default_model_path() if path is None else path)[1]


_DEFAULT = {}


def colorize(image, model=None):
    """Colorize a gray (or colour, turned gray) image: numpy array or PIL image, any size.

    model: a Colorizer, a model file path, or None for the model shipped with colorcore.
    """
    if not isinstance(model, Colorizer):
        key = None if model is None else Path(model).resolve()
        if key not in _DEFAULT:
            _DEFAULT.clear()
            _DEFAULT[key] = Colorizer.load(model)
        model = _DEFAULT[key]
    return model.predict(image)
