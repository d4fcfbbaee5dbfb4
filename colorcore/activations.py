"""The activation functions, by name: their kernel codes and NumPy definitions.

Derivatives are written in terms of the activation's output a = f(z), which is what the layers save.
"""
import numpy as np

#: Kernel codes (pyx/_types.pxd), in the order of ACTIVATIONS.
ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
ACTIVATION_CODES = {name: code for code, name in enumerate(ACTIVATIONS)}


def activation_code(name):
    """The kernel code for an activation name; ValueError naming the choices otherwise."""
    if name not in ACTIVATION_CODES:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return ACTIVATION_CODES[name]


def apply(z, name):
    """f(z) for the named activation (a new array); z may be complex (the complex-step gradient check)."""
    if name == "sigmoid":
        # exp(-z) may overflow to inf for very negative z; 1/(1+inf) = 0 is the right limit.
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z.real > 0, z, 0)  # decided on the real part, so complex z works too (gradcheck)
    return z.copy()


def derivative_from_output(a, name):
    """f'(z) expressed through a = f(z)."""
    if name == "sigmoid":
        return a * (1 - a)
    if name == "tanh":
        return 1 - a * a
    if name == "relu":
        return (a > 0).astype(a.dtype)
    return np.ones_like(a)
