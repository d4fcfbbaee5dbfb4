"""Colorize gray images with a trained network (the command line is colorcore/colorize.py).

A colorizer is an MLP plus what it sees (a feature pipeline, colorcore.extractors), what it predicts (a
target, colorcore.targets) and the working size it was trained at. `colorize(image)` uses the model
shipped inside the package unless given another.

Prediction is scale-free: a photo larger than the working size is shrunk to it, the network predicts
chroma there, and the chroma is brought back to full size guided by the full-resolution gray
(colorcore.upsample). The output always has the input's lightness (its luma is the input gray).
"""
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from importlib import resources
from pathlib import Path

import numpy as np

from . import reference
from .extractors import FeaturePipeline
from .features import GRAY_WEIGHTS, chroma_to_rgb, gray_of_image, guided_chroma_to_rgb, to_gray
from .hints import with_prior
from .images import as_float_image, to_uint8
from .io import load_model_file, save_model
from .losses import predict
from .nn import MLP
from .targets import check_vividness, target_from_spec
from .threads import threads_for_now
from .training import TrainConfig, fit
from .upsample import guided_coefficients, guided_upsample, resize, shrink_rgb, working_shape

BAND_ROWS = 64       # rows colorized at a time by local pipelines: bounds memory; bands run on parallel threads
PAIRS_BLOCK = 64     # training photos prepared per task (each with its own seeded generator)
CHUNK_PIXELS = 1024  # rows per task when the whole (working-size) image is featurized at once: outputs stay in cache


def default_model_path():
    return Path(str(resources.files("colorcore") / "data" / "colorizer.npz"))


def refuse_gray_and_alpha(image):
    """A 2-channel array is refused: it could be gray + alpha or two colour channels, so it is not guessed."""
    if not hasattr(image, "getbands") and np.ndim(image) == 3 and np.shape(image)[2] == 2:
        raise ValueError("an image must be gray, RGB or RGBA, got 2 channels")


def as_rgb_floats(image):
    """(H, W, 3) float64 in [0, 1] from a gray or colour image (uint8/float array or PIL image); an alpha
    channel is dropped and a gray image repeated into three channels."""
    floats, _, _ = as_float_image(image)
    refuse_gray_and_alpha(floats)
    return np.repeat(floats, 3, axis=2) if floats.shape[2] == 1 else floats[:, :, :3]


def check_working_size(size):
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= 4096:
        raise ValueError(f"working size must be an integer from 8 to 4096 (or None: full size), got {size!r}")
    return int(size)


def _parallel(task, items):
    """Run task on each item, on as many threads as there are cores no other program keeps busy."""
    threads = min(threads_for_now(), len(items))
    if threads > 1:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(task, items))
    return [task(item) for item in items]


class Colorizer:
    """An MLP that maps the features of each pixel of a gray image to that pixel's colour.

    Parameters
    ----------
    network : MLP with features.width inputs and target.n_outputs outputs, trained on target.loss
    features : FeaturePipeline, or its specs ("window", "pyramid:levels=4+thumbnail+position", a list of dicts)
    target : "rgb" (the seed), "lab" or "ab-bins", or a target object / spec dict (colorcore.targets)
    working_size : the longer side the network sees (larger photos are shrunk, see the module docstring);
        None: every photo at its own size (the seed)
    vividness : the default for ab-bins models (0 safest colours .. 1 most vivid); None for the others
    """

    def __init__(self, network, features="window", target="lab", working_size=None, gray_weights=GRAY_WEIGHTS,
                 vividness=None):
        self.features = features if isinstance(features, FeaturePipeline) else FeaturePipeline(features)
        self.target = target_from_spec(target) if isinstance(target, (str, dict)) else target
        self.working_size = check_working_size(working_size)
        self.gray_weights = tuple(float(w) for w in gray_weights)
        if len(self.gray_weights) != 3 or not all(0 <= w <= 1 for w in self.gray_weights) \
                or abs(sum(self.gray_weights) - 1) > 1e-6:
            raise ValueError(f"gray weights must be three numbers in [0, 1] that sum to 1, got {list(gray_weights)}")
        self.vividness = check_vividness(vividness)
        if network.n_inputs != self.features.width or network.n_outputs != self.target.n_outputs:
            raise ValueError(f"features {self.features} and target {self.target.name!r} need a network with "
                             f"{self.features.width} inputs and {self.target.n_outputs} outputs, got "
                             f"{network.layer_sizes}")
        if network.loss != self.target.loss:
            raise ValueError(f"target {self.target.name!r} needs a network trained on {self.target.loss}, "
                             f"not {network.loss}")
        self.network = network

    @classmethod
    def new(cls, hidden=(64,), activation="sigmoid", features="window", target="lab", working_size=None,
            dtype="float32", seed=0):
        """A freshly initialised colorizer."""
        features = FeaturePipeline(features) if not isinstance(features, FeaturePipeline) else features
        target = target_from_spec(target) if isinstance(target, (str, dict)) else target
        network = MLP([features.width, *hidden, target.n_outputs], hidden=activation, output=target.output,
                      loss=target.loss, dtype=dtype, seed=seed)
        return cls(network, features, target, working_size)

    # -- data --------------------------------------------------------------------------------------------
    def gray(self, rgb):
        """(H, W, 3) RGB in [0, 1] -> (H, W) gray, with the model's luma weights."""
        return to_gray(rgb, self.gray_weights)

    def inputs(self, gray, n_threads=None):
        """(H * W, n_features) network inputs of a (H, W) gray image in [0, 1]."""
        return self.features.extract(gray, self.network.dtype, n_threads=n_threads)

    def working_rgb(self, rgb):
        """An RGB photo shrunk to the working size, as prediction would shrink its gray."""
        h, w = rgb.shape[:2]
        shape = working_shape(h, w, self.working_size)
        if shape == (h, w):
            return rgb
        return shrink_rgb(rgb, *shape)

    def training_pairs(self, images, pixels_per_image=None, augment=None, seed=0, copies=1, whole_copy=False):
        """Network inputs X and targets T from RGB photos (a stack or a list; uint8 or [0, 1] floats).

        Each photo is first passed through `augment(rgb, rng)` when given (colorcore.augment), `copies`
        times (each copy cropped and scaled differently), then shrunk to the working size. With
        `whole_copy` the first of the copies is the whole photo instead, only mirrored half the time: the
        view prediction has of a photo.
        pixels_per_image: a random sample of that many pixels of each copy (more photos for the same
        memory); None takes every pixel. Photos are prepared in blocks on parallel threads; each block
        draws from its own seeded generator, so the result does not depend on the thread count.
        """
        images = list(images)
        copies = copies if augment is not None else 1

        def block(start):
            rng = np.random.default_rng([seed, start])
            features, colours = [], []
            for image in images[start:start + PAIRS_BLOCK]:
                photo = as_rgb_floats(image)  # the same checks as colorize(): uint8, or floats in [0, 1]
                for copy in range(copies):
                    rgb = photo
                    if augment is not None:
                        if whole_copy and copy == 0:
                            rgb = rgb[:, ::-1] if rng.random() < 0.5 else rgb
                        else:
                            rgb = augment(rgb, rng)
                    rgb = self.working_rgb(rgb)
                    pixels = rgb.reshape(-1, 3)
                    rows = None
                    if pixels_per_image is not None and pixels_per_image < len(pixels):
                        rows = np.sort(rng.choice(len(pixels), pixels_per_image, replace=False))
                        pixels = pixels[rows]
                    features.append(self.features.extract(self.gray(rgb), self.network.dtype, n_threads=1,
                                                          pixels=rows))
                    colours.append(pixels)
            return features, colours

        blocks = _parallel(block, range(0, len(images), PAIRS_BLOCK))
        if not blocks:
            return (np.empty((0, self.features.width), self.network.dtype),
                    np.empty((0, self.target.n_outputs), self.network.dtype))
        X = np.concatenate([x for features, _ in blocks for x in features])
        T = self.target.encode(np.concatenate([c for _, colours in blocks for c in colours]))  # vectorised
        return X, np.ascontiguousarray(T, dtype=self.network.dtype)

    # -- use ---------------------------------------------------------------------------------------------
    def fit(self, train_images, val_images, config=None, progress=True, pixels_per_image=None, augment=None,
            copies=1, whole_copy=False):
        """Train on RGB photos (see training_pairs for the sampling and augmentation settings) with the
        seed's schedule (colorcore.training.fit); returns the history. An ab-bins model also learns its
        colour prior here; colorcore.vividness.calibrate(model, {"name": val_photos}) then sets its
        vividness scale, as python -m colorcore.train does."""
        X, T = self.training_pairs(train_images, pixels_per_image, augment, copies=copies, whole_copy=whole_copy)
        Xv, Tv = self.training_pairs(val_images, pixels_per_image, seed=1)
        if self.target.name == "ab-bins":
            self.target.fit_prior(T)
        return fit(self.network, X, T, Xv, Tv, config or TrainConfig(), progress=progress).history

    def predict(self, image, vividness=None, hints=None):
        """Colorize one image of any size (a colour image is turned gray first).

        Parameters
        ----------
        image : numpy array (H, W) or (H, W, C), uint8 or floats in [0, 1], or a PIL image
        vividness : (ab-bins models only) 0 safest .. 1 most vivid; None uses the model's default
        hints : colours the user asks for at some pixels (see colorcore.hints.read_hints); they win near
            where they are painted, the network's colours hold elsewhere

        Returns
        -------
        RGB (H, W, 3) in the input's dtype (uint8 in, uint8 out; float in, float64 in [0, 1] out).
        """
        refuse_gray_and_alpha(image)
        gray, dtype = gray_of_image(image, self.gray_weights)
        if hints is None:
            out = self.predict_gray(gray, vividness)
        else:
            chroma = with_prior(gray, self.predict_chroma(gray, vividness), hints)
            out = chroma_to_rgb(gray, chroma, self.gray_weights, threads_for_now())
        return to_uint8(out) if dtype == np.uint8 else out

    def check_vividness(self, vividness):
        """The vividness to use (the model's default for None); ValueError for one it cannot take."""
        vividness = check_vividness(vividness)
        if vividness is not None and self.target.name != "ab-bins":
            raise ValueError(f"vividness needs a model that predicts colour distributions (target ab-bins); "
                             f"this one predicts {self.target.name}")
        return self.vividness if vividness is None else vividness

    def predict_gray(self, gray, vividness=None, use_reference=False):
        """(H, W) gray in [0, 1] -> (H, W, 3) RGB floats. use_reference runs the features and the network
        through the NumPy twins of the kernels (colorcore/reference.py), for checking and benchmarks."""
        gray = np.asarray(gray, dtype=np.float64)
        if self.target.name == "rgb" and working_shape(*gray.shape, self.working_size) == gray.shape:
            # the original assignment's models: their RGB as predicted
            return self._predict_whole(gray, self.target.rgb, 3, use_reference)
        small, chroma = self.working_chroma(gray, vividness, use_reference)
        if small is None:
            return chroma_to_rgb(gray, chroma, self.gray_weights, threads_for_now(), use_reference)
        # bringing the chroma to full size and converting it to RGB: one pass over the full-size photo
        return guided_chroma_to_rgb(gray, guided_coefficients(small, chroma), self.gray_weights, threads_for_now(),
                                    use_reference)

    def predict_chroma(self, gray, vividness=None, use_reference=False):
        """(H, W) gray in [0, 1] -> (H, W, 2) the predicted Lab chroma (a*, b*) at full size."""
        gray = np.asarray(gray, dtype=np.float64)
        small, chroma = self.working_chroma(gray, vividness, use_reference)
        return chroma if small is None else guided_upsample(small, chroma, gray, map_channels=_parallel)

    def working_chroma(self, gray, vividness=None, use_reference=False):
        """(the gray image shrunk to the working size, the Lab chroma predicted for it); (None, the chroma)
        when the photo is no larger than the working size."""
        vividness = self.check_vividness(vividness)
        h, w = gray.shape
        shape = working_shape(h, w, self.working_size)
        to_chroma = partial(self.target.chroma, vividness=vividness, use_reference=use_reference)
        if shape == (h, w):
            return None, self._predict_whole(gray, to_chroma, 2, use_reference)
        small = resize(gray, *shape, smooth=True)
        return small, self._predict_whole(small, to_chroma, 2, use_reference)

    def _predict_whole(self, gray, convert, n_channels, use_reference):
        """convert(network outputs, shape) for every pixel of gray, as (H, W, n_channels)."""
        if use_reference:
            features = self.features.extract(gray, self.network.dtype, use_reference=True)
            return convert(self.network_outputs(features, use_reference=True), gray.shape)
        if self.features.local_reach is not None:
            return self._predict_in_bands(gray, convert, n_channels)
        # A photo's own descriptor is the same in every row: it enters the first layer's bias once. Each chunk
        # of rows is then read as colours while the network's outputs for it are still in cache.
        network, columns = self.network, self.features.photo_columns
        if 0 < len(columns) < self.features.width:
            X, photo = self.features.extract(gray, network.dtype, split=True)
            network = network.with_fixed_inputs(columns, photo)
        else:
            X = self.features.extract(gray, network.dtype)
        out = np.empty((len(X), n_channels))

        def chunk(start):
            rows = X[start:start + CHUNK_PIXELS]
            out[start:start + len(rows)] = convert(network.predict(rows, raw=self.target.reads_logits), (len(rows),))
        _parallel(chunk, range(0, len(X), CHUNK_PIXELS))
        return out.reshape(*gray.shape, n_channels)

    def network_outputs(self, X, use_reference=False):
        """What the network predicts for feature rows X (logits for a target that reads them): chunks on
        parallel threads, or one NumPy pass."""
        raw = self.target.reads_logits
        if not use_reference:
            chunks = range(0, len(X), CHUNK_PIXELS)
            return np.concatenate(_parallel(lambda s: self.network.predict(X[s:s + CHUNK_PIXELS], raw=raw), chunks))
        A = X
        for layer in self.network.layers:
            Z = np.empty((A.shape[0], layer.n_out), dtype=A.dtype)
            reference.dense_forward(A, layer.W, layer.b, Z, layer._code)
            A = Z
        return A if raw else predict(self.network.loss, A)

    def _predict_in_bands(self, gray, convert, n_channels):
        """Local features (windows only): bands of rows, each with `reach` rows of real context either side,
        so memory stays bounded at any image size."""
        h, w = gray.shape
        reach = self.features.local_reach
        out = np.empty((h, w, n_channels))

        def band(y0):
            top, bottom = max(0, y0 - reach), min(h, y0 + BAND_ROWS + reach)
            y1 = min(h, y0 + BAND_ROWS)
            outputs = self.network.predict(self.features.extract(gray[top:bottom], self.network.dtype, n_threads=1),
                                           raw=self.target.reads_logits)
            outputs = outputs.reshape(bottom - top, w, -1)[y0 - top:y1 - top].reshape((y1 - y0) * w, -1)
            out[y0:y1] = convert(outputs, (y1 - y0, w))
        _parallel(band, range(0, h, BAND_ROWS))
        return out

    # -- files -------------------------------------------------------------------------------------------
    def header(self):
        """The model file's header: the network's shape, features, target and settings (JSON-ready)."""
        net = self.network
        return {"layer_sizes": net.layer_sizes, "hidden": net.hidden, "output": net.output,
                "loss": net.loss, "dtype": net.dtype.name, "features": self.features.specs(),
                "target": self.target.spec(), "working_size": self.working_size,
                "gray_weights": list(self.gray_weights), "vividness": self.vividness}

    def save(self, path, notes=None):
        """Write the model file (.npz arrays + JSON header, no pickle) atomically; `notes` (text, such as how
        the model was trained) is kept in the header."""
        header = self.header()
        if notes:
            header["notes"] = str(notes)
        return save_model(path, self.network.params, header)

    @classmethod
    def load(cls, path=None):
        """Read a model file written by save() (or by the original assignment's release); None loads the
        shipped model."""
        path = default_model_path() if path is None else Path(path)
        params, header = load_model_file(path)
        try:
            if header["version"] == 1:  # the first release: one window, target "rgb" or "lab"
                header = dict(header, loss="squared_error", working_size=None, vividness=None,
                              features=[{"name": "window", "radius": header["radius"], "padding": header["padding"]}])
            sizes = [int(s) for s in header["layer_sizes"]]
            needed = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
            if params.size != needed:  # checked before the network is built: a forged header could ask for GBs
                raise ValueError(f"{params.size} weights for layers {header['layer_sizes']}, which need {needed}")
            network = MLP(header["layer_sizes"], header["hidden"], header["output"], header["dtype"],
                          loss=header["loss"])
            network.params[...] = params
            return cls(network, header["features"], header["target"], header["working_size"], header["gray_weights"],
                       header["vividness"])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError(f"{path}: inconsistent colorcore model ({err})") from None

    def __repr__(self):
        return (f"Colorizer(features={self.features!r}, target={self.target.name!r}, "
                f"working_size={self.working_size}, network={self.network!r})")


def colorcore_model_info(path=None):
    """The header of a model file: sizes, target, features, and how it was made.

    Parameters
    ----------
    path : model file, or None for the shipped model

    Returns
    -------
    dict, the file's JSON header (the weights are not loaded).
    """
    return load_model_file(default_model_path() if path is None else path)[1]


_DEFAULT = {}


def colorize(image, model=None, *, vividness=None, hints=None):
    """Colorize a gray (or colour, turned gray) image of any size.

    Parameters
    ----------
    image : numpy array (H, W) or (H, W, C), uint8 or floats in [0, 1], or a PIL image
    model : a Colorizer, a model file path, or None for the model shipped with colorcore
    vividness : 0 (safest colours, best PSNR) .. 1 (most vivid); None is the model's measured default.
        Only models that predict colour distributions (target ab-bins, as the shipped one) take it.
    hints : colours to use at some pixels: an RGBA image of the photo's size (alpha > 0 marks a hint,
        as painted on a transparent layer) or a (mask, colours) pair; they spread along the photo's
        lightness and the network colours the rest (colorcore.hints)

    Returns
    -------
    RGB array (H, W, 3) with the input's luma: uint8 for uint8 input, float64 in [0, 1] otherwise.
    """
    if not isinstance(model, Colorizer):
        key = None if model is None else Path(model).resolve()
        if key not in _DEFAULT:
            _DEFAULT.clear()
            _DEFAULT[key] = Colorizer.load(model)
        model = _DEFAULT[key]
    return model.predict(image, vividness, hints)
