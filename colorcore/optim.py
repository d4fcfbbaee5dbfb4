"""Optimisers: each is its state plus one update, applied in place by a kernel (pyx/optim.pyx)."""
import numpy as np

from . import _optim
from ._checks import check_array


def _flat_parameters(params):
    """The flat parameter vector of an MLP, or a flat float vector given directly."""
    flat = getattr(params, "params", params)
    if not isinstance(flat, np.ndarray) or flat.dtype not in (np.float32, np.float64):
        raise TypeError("optimisers take an MLP or a 1-D float32/float64 numpy array of parameters")
    return check_array(flat, "params", ndim=1, dtype=flat.dtype)


def _positive(value, name):
    value = float(value)
    if not value > 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return value


def _in_unit_interval(value, name):
    value = float(value)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


class Adam:
    """Adam (Kingma & Ba 2015) on a flat parameter vector.

    Parameters
    ----------
    params : an MLP, or its flat parameter vector (updated in place)
    lr, beta1, beta2, eps : the paper's alpha, beta1, beta2 and epsilon (their defaults are the paper's)

    State: first moment `m`, second moment `v`, step count `t`.
    """

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        self.params = _flat_parameters(params)
        self.lr = _positive(lr, "lr")
        self.beta1 = _in_unit_interval(beta1, "beta1")
        self.beta2 = _in_unit_interval(beta2, "beta2")
        self.eps = _positive(eps, "eps")
        self.m = np.zeros_like(self.params)
        self.v = np.zeros_like(self.params)
        self.t = 0

    def step(self, grad):
        """Apply one update with gradient `grad` (same shape and dtype as the parameters)."""
        check_array(grad, "grad", ndim=1, dtype=self.params.dtype, shape=self.params.shape)
        self.t += 1
        _optim.adam_step(self.params, grad, self.m, self.v, self.lr, self.beta1, self.beta2, self.eps, self.t)

    def reset(self):
        """Forget the moments and the step count (the seed restarts Adam at each learning-rate drop)."""
        self.m[...] = 0
        self.v[...] = 0
        self.t = 0

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, beta1={self.beta1:g}, beta2={self.beta2:g}, eps={self.eps:g}, t={self.t})"


class SGD:
    """Stochastic gradient descent with optional (heavy-ball) momentum on a flat parameter vector.

    Parameters
    ----------
    params : an MLP, or its flat parameter vector (updated in place)
    lr : learning rate
    momentum : heavy-ball momentum in [0, 1); 0 is plain gradient descent
    """

    def __init__(self, params, lr=0.01, momentum=0.0):
        self.params = _flat_parameters(params)
        self.lr = _positive(lr, "lr")
        self.momentum = _in_unit_interval(momentum, "momentum")
        self.velocity = np.zeros_like(self.params)

    def step(self, grad):
        """Apply one update with gradient `grad`."""
        check_array(grad, "grad", ndim=1, dtype=self.params.dtype, shape=self.params.shape)
        _optim.sgd_step(self.params, grad, self.velocity, self.lr, self.momentum)

    def reset(self):
        """Forget the velocity."""
        self.velocity[...] = 0

    def __repr__(self):
        return f"SGD(lr={self.lr:g}, momentum={self.momentum:g})"
