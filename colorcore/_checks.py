"""Input checks for the façade: each failure is one line saying what was expected and how to fix it."""
import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def as_float_dtype(dtype):
    """np.float32 or np.float64 from a name or dtype; ValueError for anything else."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def check_penalty(lam):
    """The weight penalty lam as a float; ValueError unless it is finite and >= 0."""
    value = float(lam)
    if not (value >= 0 and np.isfinite(value)):
        raise ValueError(f"lam (the weight penalty) must be a finite number >= 0, got {lam}")
    return value


def check_array(x, name, *, ndim, dtype, shape=None, finite=True):
    """Return x when it is a C-contiguous ndarray of `dtype` with `ndim` dims and the given shape.

    `shape` may hold None for free axes. Raises TypeError for a wrong type or dtype and ValueError for a
    wrong shape, non-contiguous layout or non-finite values.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    if x.dtype != dtype:
        raise TypeError(f"{name} has dtype {x.dtype}, expected {np.dtype(dtype)}; "
                        f"convert with {name}.astype(np.{np.dtype(dtype)})")
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    if shape is not None:
        for got, want in zip(x.shape, shape):
            if want is not None and got != want:
                expected = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
                raise ValueError(f"{name} has shape {x.shape}, expected {expected}")
    if not x.flags.c_contiguous:
        raise ValueError(f"{name} is not C-contiguous; pass np.ascontiguousarray({name})")
    if finite and not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x
