"""The losses a network can be trained on, by name: their kernel codes and NumPy definitions.

Each loss is the data term of the cost, J = (1/m) sum_rows loss(row) + lam/(2m) sum w^2, and the same
definitions drive the NumPy twin of the training epoch (reference.py), MLP.cost and MLP.cost_and_gradient.

- ``squared_error`` is the original assignment's: loss(row) = 1/2 sum_c (y_c - t_c)^2 on the output
  layer's activations.
- ``softmax_cross_entropy``: the output layer is linear (its outputs z are logits), y = softmax(z), and
  loss(row) = -sum_c t_c log y_c. The targets t may be soft (a distribution over the classes) and may be
  scaled per row (a class-rebalancing weight w multiplies the whole row), so dJ/dz = (y sum_c t_c - t) / m.
"""
import numpy as np

#: Kernel codes (pyx/_types.pxd), in the order of LOSSES.
LOSSES = ("squared_error", "softmax_cross_entropy")
LOSS_CODES = {name: code for code, name in enumerate(LOSSES)}


def loss_code(name):
    """The kernel code for a loss name; ValueError naming the choices otherwise."""
    if name not in LOSS_CODES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return LOSS_CODES[name]


def softmax(Z):
    """Row-wise softmax of logits Z (a new array), shifted by each row's maximum so that exp cannot overflow."""
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    E /= E.sum(axis=1, keepdims=True)
    return E


def loss_sum(name, Y, T, dtype=np.float64):
    """sum over rows of loss(row), summed in `dtype` (complex128 for the complex-step gradient check) and
    returned as a Python number; Y is the output layer's activations (logits for softmax)."""
    if name == "softmax_cross_entropy":
        shifted = Y - Y.max(axis=1, keepdims=True)  # any shift cancels; the maximum keeps exp finite
        log_y = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return (-np.sum(T * log_y, dtype=dtype)).item()
    diff = Y - T
    return (np.sum(diff * diff, dtype=dtype) / 2).item()


def output_gradient(name, Y, T):
    """d(sum_rows loss) / dY: for squared error (Y - T) with respect to the activations, for softmax
    cross-entropy (softmax(Y) sum_c T - T) with respect to the logits (the output layer is linear)."""
    if name == "softmax_cross_entropy":
        return softmax(Y) * T.sum(axis=1, keepdims=True) - T
    return Y - T


def predict(name, Y):
    """What a trained network outputs: the activations, or for softmax cross-entropy the probabilities."""
    return softmax(Y) if name == "softmax_cross_entropy" else Y
