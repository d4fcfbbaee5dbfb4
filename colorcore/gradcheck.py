"""Gradient check, reported as the original assignment's ratio ||G_num - G_bp|| / ||G_num + G_bp||.

The numerical gradient is the complex-step derivative by default: dJ/dp = Im J(p + i h) / h with h = 1e-30
(Squire & Trapp 1998). No difference is taken, so nothing cancels: it is exact to rounding (about 1e-16
relative), against 1e-10 for the best central difference, and a check that agrees to 1e-11 says the
back-propagation is right to that many digits. It needs a cost that is analytic in the parameters, which
the network's is (relu is piecewise linear: away from its kink the complex step is exact there too). The
five-point central difference stays available as method="central".
"""
import numpy as np

from .activations import apply
from .losses import loss_sum

# Five-point central difference: truncation error O(h^4) and rounding error about eps * J / h. Over 601
# random networks h = 5e-4 balanced the two best (worst ratio 2e-10; 1e-4 and 1e-3 each reached 1.4e-9).
STENCIL = ((-2, 1 / 12), (-1, -8 / 12), (1, 8 / 12), (2, -1 / 12))
CENTRAL_STEP = 5e-4
COMPLEX_STEP = 1e-30  # any step far below sqrt(machine epsilon) leaves only rounding; squares of it underflow
METHODS = ("complex", "central")


def complex_cost(model, params, X, T, lam=0.0):
    """The model's cost J at the complex parameter vector `params` (the layout of model.params)."""
    A, offset, penalty = X.astype(np.complex128), 0, 0
    for layer in model.layers:
        n_in, n_out = layer.n_in, layer.n_out
        W = params[offset:offset + n_in * n_out].reshape(n_in, n_out)
        b = params[offset + n_in * n_out:offset + n_in * n_out + n_out]
        offset += n_in * n_out + n_out
        A = apply(A @ W + b, layer.activation)
        penalty = penalty + np.sum(W * W)  # w^2, not |w|^2: the penalty must stay analytic
    m = max(X.shape[0], 1)
    return loss_sum(model.loss, A, T, dtype=np.complex128) / m + lam * penalty / (2 * m)


def numerical_gradient(model, X, T, lam=0.0, h=None, method="complex"):
    """dJ/dp for every parameter p, by the complex step (default) or the five-point central difference."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    params = model.params
    grad = np.empty(params.size, dtype=np.float64)
    if method == "complex":
        h = COMPLEX_STEP if h is None else _positive_step(h)
        shifted = params.astype(np.complex128)
        for i in range(params.size):
            shifted[i] += 1j * h
            grad[i] = complex_cost(model, shifted, X, T, lam).imag / h
            shifted[i] = params[i]
        return grad
    h = CENTRAL_STEP if h is None else _positive_step(h)
    for i in range(params.size):
        saved = params[i]
        total = 0.0
        for shift, weight in STENCIL:
            params[i] = saved + shift * h
            total += weight * model.cost(X, T, lam)
        params[i] = saved
        grad[i] = total / h
    return grad


def _positive_step(h):
    h = float(h)
    if not (h > 0 and np.isfinite(h)):
        raise ValueError(f"the step h must be a positive finite number, got {h}")
    return h


def parameter_name(model, i):
    """(layer, 'W' or 'b', index within that array) of flat parameter i."""
    offset = 0
    for number, layer in enumerate(model.layers):
        if i < offset + layer.W.size:
            return number, "W", tuple(int(k) for k in np.unravel_index(i - offset, layer.W.shape))
        offset += layer.W.size
        if i < offset + layer.b.size:
            return number, "b", (i - offset,)
        offset += layer.b.size
    raise IndexError(f"parameter {i} is past the model's {model.params.size}")


def gradcheck(model, X, T, lam=0.0, h=None, method="complex", worst=0):
    """The original assignment's check: ||G_num - G_bp|| / ||G_num + G_bp|| for `model` on X and T.

    Parameters
    ----------
    model : MLP, float64 (in float32 the back-propagated gradient itself is only good to about 1e-7)
    X, T : arrays (m, n_inputs) and (m, n_outputs) of the model's dtype
    lam : weight penalty of the cost
    h : step of the numerical derivative (default: 1e-30 for the complex step, 5e-4 for differences)
    method : "complex" (complex step, exact to rounding) or "central" (five-point central difference)
    worst : also list the `worst` parameters whose two gradients differ most

    Returns
    -------
    float, the ratio (0.0 when both gradients are exactly zero); with worst=k > 0, (ratio, rows) where
    each row is a dict with layer, array ('W' or 'b'), index, backprop and numeric, so that a wrong layer
    shows where it is wrong.
    """
    _, backprop = model.cost_and_gradient(X, T, lam)
    backprop = backprop.astype(np.float64)
    numeric = numerical_gradient(model, X, T, lam, h, method)
    denominator = np.linalg.norm(numeric + backprop)
    ratio = 0.0 if denominator == 0 else float(np.linalg.norm(numeric - backprop) / denominator)
    if not worst:
        return ratio
    rows = []
    for i in np.argsort(-np.abs(numeric - backprop), kind="stable")[:int(worst)]:
        layer, array, index = parameter_name(model, int(i))
        rows.append(dict(layer=layer, array=array, index=index, backprop=float(backprop[i]),
                         numeric=float(numeric[i])))
    return ratio, rows


__all__ = ["gradcheck", "numerical_gradient", "complex_cost", "parameter_name"]
