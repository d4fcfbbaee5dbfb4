"""colorcore: fast, torch-free image colorization and Efros-Leung hole filling.

The arithmetic runs in Cython kernels (colorcore._dense, _optim, _shuffle, _ssd, _windows, _colour,
_affinity); this package is the checked, documented façade over them.
"""
from ._dispatch import use_fastest

KERNEL_BUILD = use_fastest(__name__)  # "avx2-fma", "baseline" or "as-built" (a native build)
try:
    from . import _affinity, _colour, _dense, _optim, _shuffle, _ssd, _windows  # noqa: F401 (the kernels)
except ImportError as err:  # a source folder without built kernels, usually the checkout itself
    raise ImportError(f"colorcore's compiled kernels are missing beside {__file__} ({err}); to work from the "
                      "source folder, install it for development with `pip install -e .` there, or run from "
                      "another folder after `pip install .`") from None

from .colorizer import Colorizer, colorcore_model_info, colorize
from .gradcheck import gradcheck
from .hints import propagate_hints
from .minibatch import train_epoch
from .nn import MLP, Dense
from .optim import SGD, Adam
from .texture import fill_holes, synthesize
from .transfer import transfer_colors

__version__ = "0.1.0"

__all__ = ["MLP", "Dense", "Adam", "SGD", "gradcheck", "train_epoch", "synthesize", "fill_holes", "Colorizer",
           "colorize", "propagate_hints", "transfer_colors", "colorcore_model_info", "__version__"]
