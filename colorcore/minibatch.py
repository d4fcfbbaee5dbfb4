"""One training epoch: shuffled minibatches, forward + backward + optimiser step.

With Adam the whole epoch runs in one kernel call (pyx/dense.pyx: train_epoch), so no Python runs between
minibatches; other optimisers take the per-layer path.
"""
import numpy as np

from . import _dense, _shuffle, reference
from ._checks import check_penalty
from .losses import loss_sum
from .threads import available_threads
from .optim import Adam


def shuffled_rows(n, rng=None):
    """A random order of the row indices 0 .. n-1 (np.intp), drawn from rng (seed or Generator)."""
    generator = np.random.default_rng(rng)
    if n >= 2**32:  # beyond the kernel's 32-bit draws
        return generator.permutation(n).astype(np.intp, copy=False)
    order = np.empty(n, dtype=np.intp)
    _shuffle.permutation(order, int(generator.integers(0, 2**64, dtype=np.uint64)))
    return order


def train_epoch(model, optimizer, X, T, batch_size=32, lam=0.0, rng=None, use_reference=False, n_threads=None):
    """Train `model` for one pass over (X, T).

    Parameters
    ----------
    model : MLP
    optimizer : Adam (the whole epoch runs in one kernel call) or SGD, built on model's parameters
    X, T : arrays (n, n_inputs) and (n, n_outputs) of the model's dtype, C-contiguous (may be read-only)
    batch_size : rows per update
    lam : weight penalty (the cost's lam/(2m) sum w^2), finite and >= 0
    rng : seed or numpy Generator; rows are visited in the order shuffled_rows(n, rng)
    use_reference : run the NumPy twin of the kernel instead (for benchmarks and tests)
    n_threads : threads of the Adam path (default: available_threads()); they change its speed, never its
        result, and on a busy machine the kernel falls back to one thread by itself

    Returns
    -------
    float, the data part of the cost seen on the way, (1/n) sum_rows loss (for the squared error the
    original assignment's 1/(2n) sum (y - t)^2), accumulated over the minibatches before each update.
    """
    model.check_inputs(X)
    model.check_targets(T, X.shape[0])
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    lam = check_penalty(lam)
    if optimizer.params is not model.params:
        raise ValueError("the optimizer was built for another model's parameters")
    n = X.shape[0]
    if n == 0:
        return 0.0
    order = shuffled_rows(n, rng)
    if isinstance(optimizer, Adam):
        kernels = reference if use_reference else _dense
        sizes = np.asarray(model.layer_sizes, dtype=np.intp)
        workspace = np.empty(kernels.epoch_workspace_size(sizes, min(batch_size, n)), dtype=model.dtype)
        optimizer.t, total = kernels.train_epoch(
            X, T, order, sizes, model.activation_codes, model.loss_code, model.params, optimizer.m, optimizer.v,
            workspace, batch_size, optimizer.lr, optimizer.beta1, optimizer.beta2, optimizer.eps, float(lam),
            optimizer.t, available_threads() if n_threads is None else int(n_threads))
        return total / n
    total = 0.0
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        Xb, Tb = X[rows], T[rows]
        _, grad = model.cost_and_gradient(Xb, Tb, lam)
        total += loss_sum(model.loss, model.layers[-1]._A, Tb)
        optimizer.step(grad)
    return total / n
