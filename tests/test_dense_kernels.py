"""The dense-layer and optimiser kernels against their NumPy twins (colorcore/reference.py)."""
import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from colorcore import _dense, _optim, reference
from colorcore.activations import ACTIVATIONS
from colorcore.losses import LOSS_CODES

from conftest import TOLERANCE

pytestmark = pytest.mark.kernel

dtypes = st.sampled_from([np.float32, np.float64])
activations = st.integers(0, len(ACTIVATIONS) - 1)
# Widths cover 1, the 6 x 16 register blocks' edges and partial column blocks, and narrow (n_out < 16 and
# n_in) as well as wide layers.
widths = st.integers(1, 40)


RELU = ACTIVATIONS.index("relu")
FLOAT32_MAX_STEPS = 64


def float32_relu_epoch(hidden, acts, dtype, loss):
    """Whole epochs in float32 through ReLU units are not compared: a pre-activation within rounding of
    zero turns a unit on in one summation order and off in another (the debug wheel's build against the
    twin), and the runs part there. Float64 epochs and the one-step layer tests cover ReLU."""
    used = acts[:len(hidden) + (loss == "squared_error")]  # the softmax loss's layer is linear
    return dtype == np.float32 and RELU in used


def arrays(rng, dtype, *shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape).astype(dtype)


@given(m=st.integers(0, 37), n_in=widths, n_out=widths, act=activations, dtype=dtypes, seed=st.integers(0, 2**32 - 1))
@example(m=1, n_in=1, n_out=1, act=1, dtype=np.float32, seed=0)
@example(m=33, n_in=25, n_out=64, act=1, dtype=np.float32, seed=1)
@example(m=13, n_in=100, n_out=300, act=0, dtype=np.float32, seed=2)
def test_dense_forward_matches_reference(m, n_in, n_out, act, dtype, seed):
    rng = np.random.default_rng(seed)
    X, W, b = arrays(rng, dtype, m, n_in), arrays(rng, dtype, n_in, n_out), arrays(rng, dtype, n_out)
    got, want = np.empty((m, n_out), dtype), np.empty((m, n_out), dtype)
    _dense.dense_forward(X, W, b, got, act)
    reference.dense_forward(X, W, b, want, act)
    np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


@given(m=st.integers(0, 37), n_in=widths, n_out=widths, act=activations, dtype=dtypes, decay=st.floats(0, 1),
       compute_dX=st.booleans(), seed=st.integers(0, 2**32 - 1))
@example(m=0, n_in=3, n_out=2, act=0, dtype=np.float64, decay=0.5, compute_dX=True, seed=0)
@example(m=64, n_in=64, n_out=3, act=1, dtype=np.float32, decay=1e-4, compute_dX=True, seed=2)
@example(m=37, n_in=168, n_out=128, act=1, dtype=np.float32, decay=1e-4, compute_dX=True, seed=3)
def test_dense_backward_matches_reference(m, n_in, n_out, act, dtype, decay, compute_dX, seed):
    rng = np.random.default_rng(seed)
    X, W = arrays(rng, dtype, m, n_in), arrays(rng, dtype, n_in, n_out)
    A = arrays(rng, dtype, m, n_out, low=0.01, high=0.99)  # a valid output for every activation
    dA = arrays(rng, dtype, m, n_out)
    outputs = {}
    for name, impl in (("kernel", _dense), ("reference", reference)):
        dZ, dW, db, dX = (np.empty((m, n_out), dtype), np.empty((n_in, n_out), dtype), np.empty(n_out, dtype),
                          np.zeros((m, n_in), dtype))
        impl.dense_backward(X, W, A, dA, act, decay, dZ, dW, db, dX, compute_dX)
        outputs[name] = (dZ, dW, db, dX)
    for got, want in zip(outputs["kernel"], outputs["reference"]):
        np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


@given(n=st.integers(0, 100), dtype=dtypes, t=st.integers(1, 50), seed=st.integers(0, 2**32 - 1))
def test_adam_step_matches_reference(n, dtype, t, seed):
    rng = np.random.default_rng(seed)
    state = [arrays(rng, dtype, n), arrays(rng, dtype, n), arrays(rng, dtype, n), arrays(rng, dtype, n, low=0)]
    kernel_state = [a.copy() for a in state]
    _optim.adam_step(kernel_state[0], kernel_state[1], kernel_state[2], kernel_state[3], 1e-3, 0.9, 0.999, 1e-8, t)
    reference.adam_step(state[0], state[1], state[2], state[3], 1e-3, 0.9, 0.999, 1e-8, t)
    for got, want in zip(kernel_state, state):
        np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


@given(n=st.integers(0, 100), dtype=dtypes, momentum=st.floats(0, 0.99), seed=st.integers(0, 2**32 - 1))
def test_sgd_step_matches_reference(n, dtype, momentum, seed):
    rng = np.random.default_rng(seed)
    state = [arrays(rng, dtype, n) for _ in range(3)]
    kernel_state = [a.copy() for a in state]
    _optim.sgd_step(*kernel_state, 0.05, momentum)
    reference.sgd_step(*state, 0.05, momentum)
    for got, want in zip(kernel_state, state):
        np.testing.assert_allclose(got, want, **TOLERANCE[dtype])


@given(n=st.integers(1, 300), batch=st.integers(1, 160), hidden=st.lists(st.integers(1, 70), min_size=0, max_size=2),
       n_inputs=st.integers(1, 30), n_outputs=st.integers(1, 5), acts=st.lists(activations, min_size=3, max_size=3),
       dtype=dtypes, lam=st.sampled_from([0.0, 1e-4, 0.5]), seed=st.integers(0, 2**32 - 1))
@example(n=100, batch=32, hidden=[64], n_inputs=25, n_outputs=3, acts=[1, 1, 1], dtype=np.float32, lam=1e-4, seed=0)
@example(n=450, batch=200, hidden=[9], n_inputs=5, n_outputs=2, acts=[2, 1, 1], dtype=np.float64, lam=0.5, seed=1)
@example(n=450, batch=200, hidden=[64], n_inputs=25, n_outputs=3, acts=[1, 1, 1], dtype=np.float32, lam=1e-4, seed=2)
def test_train_epoch_matches_reference(n, batch, hidden, n_inputs, n_outputs, acts, dtype, lam, seed):
    check_epoch_against_reference(n, batch, hidden, n_inputs, n_outputs, acts, dtype, lam, seed, "squared_error")


@given(n=st.integers(1, 300), batch=st.integers(1, 160), hidden=st.lists(st.integers(1, 70), min_size=0, max_size=2),
       n_inputs=st.integers(1, 30), n_outputs=st.integers(1, 40), acts=st.lists(activations, min_size=3, max_size=3),
       dtype=dtypes, lam=st.sampled_from([0.0, 1e-4, 0.5]), seed=st.integers(0, 2**32 - 1))
@example(n=300, batch=256, hidden=[64], n_inputs=100, n_outputs=300, acts=[1, 1, 0], dtype=np.float32, lam=1e-4, seed=0)
@example(n=200, batch=32, hidden=[128], n_inputs=168, n_outputs=40, acts=[3, 0, 0], dtype=np.float64, lam=0.5, seed=1)
def test_softmax_epoch_matches_reference(n, batch, hidden, n_inputs, n_outputs, acts, dtype, lam, seed):
    check_epoch_against_reference(n, batch, hidden, n_inputs, n_outputs, acts, dtype, lam, seed,
                                  "softmax_cross_entropy")


def soft_targets(rng, dtype, n, n_classes):
    """Rows that are distributions over the classes, each scaled by a weight in [0.5, 2] (rebalancing)."""
    T = rng.uniform(0, 1, size=(n, n_classes)) ** 4
    T /= T.sum(axis=1, keepdims=True)
    return (T * rng.uniform(0.5, 2, size=(n, 1))).astype(dtype)


def check_epoch_against_reference(n, batch, hidden, n_inputs, n_outputs, acts, dtype, lam, seed, loss):
    assume(not float32_relu_epoch(hidden, acts, dtype, loss))
    if dtype == np.float32:
        # Training at lr 1e-2 magnifies a last-bit difference a little at every step; after some hundred
        # steps (batches of one row) two float32 runs that sum in another order part for good. Float64
        # epochs are compared at every length.
        n = min(n, FLOAT32_MAX_STEPS * batch)
    rng = np.random.default_rng(seed)
    sizes = np.array([n_inputs, *hidden, n_outputs], dtype=np.intp)
    codes = np.array(acts[:len(sizes) - 1], dtype=np.intc)
    X = arrays(rng, dtype, n, n_inputs)
    if loss == "softmax_cross_entropy":
        codes[-1] = ACTIVATIONS.index("identity")  # the softmax is the loss's
        T = soft_targets(rng, dtype, n, n_outputs)
    else:
        T = arrays(rng, dtype, n, n_outputs, low=0)
    n_params = int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))
    start = arrays(rng, dtype, n_params, low=-0.5, high=0.5)
    order = rng.permutation(n).astype(np.intp)
    results = {}
    for name, impl in (("kernel", _dense), ("reference", reference)):
        params, m1, m2 = start.copy(), np.zeros_like(start), np.zeros_like(start)
        workspace = np.empty(impl.epoch_workspace_size(sizes, min(batch, n)), dtype)
        step, sse = impl.train_epoch(X, T, order, sizes, codes, LOSS_CODES[loss], params, m1, m2,
                                     workspace, batch, 1e-2, 0.9, 0.999, 1e-8, lam, 3)
        results[name] = (step, sse, params)
    (k_step, k_sse, k_params), (r_step, r_sse, r_params) = results["kernel"], results["reference"]
    assert k_step == r_step == 3 + -(-n // batch)
    tol = TOLERANCE[dtype]
    # Several Adam steps amplify last-bit differences in float32; the loss agrees more tightly.
    np.testing.assert_allclose(k_sse, r_sse, rtol=max(tol["rtol"], 1e-5) * 10, atol=tol["atol"])
    np.testing.assert_allclose(k_params, r_params, rtol=tol["rtol"] * 50, atol=tol["atol"] * 50)


def test_workspace_sizes_agree():
    for sizes in ([25, 64, 3], [2, 2, 1], [5, 40, 7, 2]):
        s = np.array(sizes, dtype=np.intp)
        for batch in (1, 2, 15, 16, 31, 256, 1000):
            assert _dense.epoch_workspace_size(s, batch) == reference.epoch_workspace_size(s, batch)


THREAD_CASES = [([25, 64, 3], 20, "squared_error"), ([25, 64, 3], 32, "squared_error"),
                ([25, 64, 3], 256, "squared_error"), ([5, 8, 20, 3], 32, "squared_error"),
                ([7, 30, 1], 100, "squared_error"), ([100, 64, 2], 256, "squared_error"),
                ([40, 48, 37], 64, "softmax_cross_entropy")]


@pytest.mark.parametrize("sizes, batch, loss", THREAD_CASES)
@pytest.mark.parametrize("patience_ns", [-1, 0])
def test_train_epoch_same_result_for_any_thread_count(sizes, batch, loss, patience_ns):
    # 1100 rows: in batches of 20, two shards of 10 rows each; in batches of 256, two shards of 128 rows
    # (two tiles each), then a last minibatch of 76 rows. [5, 8, 20, 3] has a wide layer after the first
    # (its W^T is made per shard) and parameter counts that are not whole cache lines. With patience 0 a
    # thread whose partner has not yet published its shard takes the epoch over at once, as it does when
    # another program holds the partner's core: the result must not change.
    rng = np.random.default_rng(7)
    X = arrays(rng, np.float32, 1100, sizes[0])
    if loss == "softmax_cross_entropy":
        T = soft_targets(rng, np.float32, 1100, sizes[-1])
    else:
        T = arrays(rng, np.float32, 1100, sizes[-1], low=0)
    sizes = np.array(sizes, dtype=np.intp)
    codes = np.ones(len(sizes) - 1, dtype=np.intc)
    if loss == "softmax_cross_entropy":
        codes[-1] = ACTIVATIONS.index("identity")
    n_params = int(sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))
    start = arrays(rng, np.float32, n_params, low=-0.5, high=0.5)
    finals = []
    for n_threads in (1, 2):
        params, m1, m2 = start.copy(), np.zeros_like(start), np.zeros_like(start)
        workspace = np.empty(_dense.epoch_workspace_size(sizes, batch), np.float32)
        _, total = _dense.train_epoch(X, T, np.arange(1100, dtype=np.intp), sizes, codes, LOSS_CODES[loss], params,
                                      m1, m2, workspace, batch, 1e-3, 0.9, 0.999, 1e-8, 1e-4, 0, n_threads,
                                      patience_ns)
        finals.append((params, m1, m2, np.array([total])))
    for one_thread, two_threads in zip(*finals):
        assert np.array_equal(one_thread, two_threads)
    assert not np.array_equal(finals[0][0], start)
