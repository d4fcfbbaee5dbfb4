"""The MLP façade: gradients by finite differences, optimiser steps in closed form, XOR, determinism, bad input."""
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import colorcore as cc
from colorcore.activations import ACTIVATIONS, apply
from colorcore.minibatch import shuffled_rows


def random_problem(sizes, seed, m=7):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, sizes[0])), rng.uniform(size=(m, sizes[-1]))


def away_from_kinks(model, X, seed):
    """Redraw the biases until no pre-activation lies within 0.01 of relu's kink at 0, where the cost has
    no derivative for finite differences to find (zero biases after a dead layer put units right on it)."""
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        for layer in model.layers:
            layer.b[...] = rng.uniform(-0.5, 0.5, size=layer.b.shape)
        A, nearest = X, np.inf
        for layer in model.layers:
            Z = A @ layer.W + layer.b
            nearest = min(nearest, np.abs(Z).min())
            A = apply(Z, layer.activation)
        if nearest > 0.01:
            return model
    pytest.skip("could not place every unit away from the kink")


@pytest.mark.parametrize("hidden", ACTIVATIONS)
@pytest.mark.parametrize("sizes", [[3, 1], [4, 5, 2], [5, 7, 4, 3], [25, 16, 3]])
def test_backprop_matches_finite_differences(hidden, sizes):
    output = "sigmoid" if hidden == "relu" else hidden
    X, T = random_problem(sizes, seed=len(sizes))
    model = away_from_kinks(cc.MLP(sizes, hidden=hidden, output=output, dtype="float64", seed=3), X, 3)
    for lam in (0.0, 1e-4, 0.7):
        assert cc.gradcheck(model, X, T, lam) < 1e-11
        assert cc.gradcheck(model, X, T, lam, method="central") < 1e-9


@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3), hidden=st.sampled_from(ACTIVATIONS),
       output=st.sampled_from(["identity", "sigmoid", "tanh"]))
@example(seed=6549, depth=2, hidden="identity", output="sigmoid")  # a small gradient: rounding-bound
@example(seed=323, depth=3, hidden="relu", output="tanh")  # strong curvature: truncation-bound
@example(seed=30, depth=3, hidden="relu", output="identity")  # dead relu layer: needs away_from_kinks
def test_backprop_matches_finite_differences_random_networks(seed, depth, hidden, output):
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 7, size=depth + 1)]
    X, T = random_problem(sizes, seed, m=int(rng.integers(1, 6)))
    model = away_from_kinks(cc.MLP(sizes, hidden=hidden, output=output, dtype="float64", seed=seed), X, seed)
    assert cc.gradcheck(model, X, T, lam=1e-4) < 1e-11


def assignment_problem(seed):
    """The original study's network, 25 -> 64 sigmoid -> 3 sigmoid, on 20 random rows."""
    rng = np.random.default_rng(seed)
    model = cc.MLP([25, 64, 3], dtype="float64", seed=seed)
    return model, rng.uniform(size=(20, 25)), rng.uniform(size=(20, 3))


@pytest.mark.parametrize("seed", range(5))
def test_gradcheck_on_the_assignment_network_is_below_1e_11(seed):
    model, X, T = assignment_problem(seed)
    assert cc.gradcheck(model, X, T, lam=1e-4) < 1e-11


class PlantedError(cc.MLP):
    """An MLP whose back-propagated gradient is wrong by `relative` in one weight."""

    def cost_and_gradient(self, X, T, lam=0.0):
        J, grad = super().cost_and_gradient(X, T, lam)
        grad[self.planted] *= 1 + self.relative
        return J, grad


def test_gradcheck_catches_a_planted_error_and_names_it():
    model, X, T = assignment_problem(0)
    wrong = PlantedError([25, 64, 3], dtype="float64", seed=0)
    wrong.params[...] = model.params
    _, grad = model.cost_and_gradient(X, T, 1e-4)
    first_layer = np.abs(grad[:25 * 64])
    wrong.planted = int(np.argsort(first_layer)[first_layer.size // 2])  # a weight of middling gradient
    wrong.relative = 1e-6
    ratio, rows = cc.gradcheck(wrong, X, T, lam=1e-4, worst=3)
    assert ratio > 1e-11
    row, column = divmod(wrong.planted, 64)
    assert (rows[0]["layer"], rows[0]["array"], rows[0]["index"]) == (0, "W", (row, column))
    assert rows[0]["backprop"] == pytest.approx(rows[0]["numeric"] * (1 + 1e-6), rel=1e-9)
    assert cc.gradcheck(model, X, T, lam=1e-4) < 1e-11  # the same network without the error passes


def test_gradcheck_rejects_bad_steps_and_methods():
    model, X, T = assignment_problem(1)
    with pytest.raises(ValueError, match="step h must be a positive"):
        cc.gradcheck(model, X, T, h=0)
    with pytest.raises(ValueError, match="unknown method"):
        cc.gradcheck(model, X, T, method="forward")


def test_gradient_of_weight_penalty_alone():
    model = cc.MLP([3, 2], output="identity", dtype="float64", seed=0)
    X = np.zeros((4, 3))
    T = model.forward(X).copy()  # zero data error: only the penalty lam/(2m) sum w^2 remains
    _, grad = model.cost_and_gradient(X, T, lam=2.0)
    W = model.layers[0].W
    np.testing.assert_allclose(model.layers[0].dW, 2.0 / 4 * W)
    np.testing.assert_array_equal(model.layers[0].db, 0)
    assert grad is model.grads


def test_adam_step_from_set_state_matches_closed_form():
    params = np.array([0.5, -1.0, 2.0])
    opt = cc.Adam(params, lr=0.01)
    opt.m[...] = [0.1, -0.2, 0.0]
    opt.v[...] = [0.01, 0.04, 0.0]
    opt.t = 4
    g = np.array([0.3, 0.1, -0.5])
    expected = params.copy()
    m = 0.9 * np.array([0.1, -0.2, 0.0]) + 0.1 * g
    v = 0.999 * np.array([0.01, 0.04, 0.0]) + 0.001 * g * g
    expected -= 0.01 * (m / (1 - 0.9 ** 5)) / (np.sqrt(v / (1 - 0.999 ** 5)) + 1e-8)
    opt.step(g)
    np.testing.assert_allclose(params, expected, rtol=1e-14)
    np.testing.assert_allclose(opt.m, m, rtol=1e-14)
    np.testing.assert_allclose(opt.v, v, rtol=1e-14)
    assert opt.t == 5


def test_first_adam_step_moves_each_parameter_by_lr():
    # With bias correction, step 1 is lr * g / (|g| + eps): a move of almost exactly lr against the sign.
    params = np.zeros(3)
    cc.Adam(params, lr=0.1).step(np.array([2.0, -3.0, 1e-3]))
    np.testing.assert_allclose(params, [-0.1, 0.1, -0.1], rtol=1e-4)


def test_sgd_with_momentum_matches_closed_form():
    params = np.array([1.0, -1.0])
    opt = cc.SGD(params, lr=0.1, momentum=0.5)
    opt.step(np.array([1.0, 2.0]))
    np.testing.assert_allclose(params, [0.9, -1.2])
    opt.step(np.array([1.0, 2.0]))  # velocity 0.5 * (-0.1, -0.2) - (0.1, 0.2)
    np.testing.assert_allclose(params, [0.9 - 0.15, -1.2 - 0.3])


def test_xor_converges():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    T = np.array([[0], [1], [1], [0]], dtype=np.float64)
    model = cc.MLP([2, 2, 1], dtype="float64", seed=0)
    opt = cc.Adam(model, lr=0.1)
    for _ in range(8000):
        _, grad = model.cost_and_gradient(X, T)
        opt.step(grad)
    mse = np.mean((model.forward(X) - T) ** 2)
    assert mse < 1e-6
    np.testing.assert_array_equal(model.forward(X).round(), T)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_gives_bit_identical_training(dtype):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(500, 25)).astype(dtype)
    T = rng.uniform(size=(500, 3)).astype(dtype)
    finals = []
    for _ in range(2):
        model = cc.MLP([25, 16, 3], dtype=dtype, seed=11)
        opt = cc.Adam(model)
        for epoch in range(3):
            cc.train_epoch(model, opt, X, T, batch_size=32, lam=1e-4, rng=epoch)
        finals.append(model.params.copy())
    assert np.array_equal(finals[0], finals[1])
    assert not np.array_equal(finals[0], cc.MLP([25, 16, 3], dtype=dtype, seed=11).params)


def test_epoch_kernel_and_per_layer_path_agree():
    # Adam runs the fused epoch kernel; the same steps taken one minibatch at a time must agree.
    rng = np.random.default_rng(1)
    X, T = rng.uniform(size=(70, 6)), rng.uniform(size=(70, 2))
    fused = cc.MLP([6, 9, 2], dtype="float64", seed=2)
    stepwise = fused.copy()
    fused_opt, step_opt = cc.Adam(fused), cc.Adam(stepwise)
    cc.train_epoch(fused, fused_opt, X, T, batch_size=16, lam=0.01, rng=5)
    order = shuffled_rows(70, 5)
    for start in range(0, 70, 16):
        rows = order[start:start + 16]
        _, grad = stepwise.cost_and_gradient(np.ascontiguousarray(X[rows]), np.ascontiguousarray(T[rows]), 0.01)
        step_opt.step(grad)
    np.testing.assert_allclose(fused.params, stepwise.params, rtol=1e-12, atol=1e-14)


def test_initialisation_suits_the_activation():
    sig = cc.MLP([100, 100], hidden="sigmoid", output="sigmoid", seed=0)
    relu = cc.MLP([100, 100], hidden="relu", output="relu", seed=0)
    assert abs(sig.layers[0].W).max() <= 4 * np.sqrt(6 / 200) + 1e-6
    assert abs(relu.layers[0].W).max() <= np.sqrt(6 / 100) + 1e-6
    assert np.all(sig.layers[0].b == 0)
    assert not np.array_equal(cc.MLP([3, 3], seed=0).params, cc.MLP([3, 3], seed=1).params)


def test_repr_and_parameters():
    model = cc.MLP([25, 64, 3])
    assert repr(model) == "MLP([25, 64, 3], hidden='sigmoid', output='sigmoid', dtype=float32, 1,859 parameters)"
    W0, b0, W1, b1 = model.parameters()
    assert W0.shape == (25, 64) and b1.shape == (3,)
    W0[0, 0] = 42.0  # views: writing through them changes the model
    assert model.params[0] == 42.0
    assert "Adam(lr=0.001" in repr(cc.Adam(model))


@pytest.mark.parametrize("bad, error, match", [
    (np.zeros((4, 3), dtype=np.float64), TypeError, "dtype float64, expected float32"),
    (np.zeros((4, 5), dtype=np.float32), ValueError, r"expected \(any, 3\)"),
    (np.zeros(3, dtype=np.float32), ValueError, "must be 2-D"),
    (np.zeros((3, 6), dtype=np.float32)[:, ::2], ValueError, "not C-contiguous"),
    (np.full((2, 3), np.nan, dtype=np.float32), ValueError, "NaN or infinite"),
    ([[0.0, 0.0, 0.0]], TypeError, "numpy array"),
    (np.zeros((2, 3), dtype=np.int64), TypeError, "dtype int64"),
])
def test_bad_inputs_are_refused_with_a_clear_message(bad, error, match):
    model = cc.MLP([3, 2])
    with pytest.raises(error, match=match):
        model.forward(bad)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        cc.MLP([2, 2], hidden="softmax")
    with pytest.raises(ValueError, match="at least two positive integers"):
        cc.MLP([2])
    with pytest.raises(ValueError, match="at least two positive integers"):
        cc.MLP([2, 0, 1])
    with pytest.raises(ValueError, match="dtype must be"):
        cc.MLP([2, 1], dtype="float16")
    with pytest.raises(ValueError, match="lr must be"):
        cc.Adam(cc.MLP([2, 1]), lr=-1)
    with pytest.raises(ValueError, match="beta1"):
        cc.Adam(cc.MLP([2, 1]), beta1=1.0)


def test_train_epoch_checks_its_arguments():
    model = cc.MLP([3, 2])
    X, T = np.zeros((5, 3), np.float32), np.zeros((5, 2), np.float32)
    with pytest.raises(ValueError, match="batch_size"):
        cc.train_epoch(model, cc.Adam(model), X, T, batch_size=0)
    with pytest.raises(ValueError, match="another model"):
        cc.train_epoch(model, cc.Adam(cc.MLP([3, 2])), X, T)
    with pytest.raises(ValueError, match=r"T has shape \(4, 2\)"):
        cc.train_epoch(model, cc.Adam(model), X, T[:4])
    with pytest.raises(RuntimeError, match="forward before backward"):
        cc.MLP([3, 2]).backward(np.zeros((1, 2), np.float32))


def test_sgd_epoch_reduces_the_cost():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(200, 4)).astype(np.float32)
    T = (X[:, :2] * 0.5 + 0.2).astype(np.float32)
    model = cc.MLP([4, 8, 2], seed=0)
    opt = cc.SGD(model, lr=0.5, momentum=0.9)
    before = model.cost(X, T)
    for epoch in range(20):
        cc.train_epoch(model, opt, X, T, batch_size=16, rng=epoch)
    assert model.cost(X, T) < before / 5


@pytest.mark.parametrize("sizes, columns", [([7, 5, 3], [2, 3, 6]), ([4, 6, 2, 9], [0]), ([3, 2], [0, 2])])
def test_fixed_inputs_fold_into_the_first_bias(sizes, columns):
    """Inputs that are the same in every row (a photo's descriptor) can enter the bias once."""
    net = cc.MLP(sizes, hidden="tanh", output="identity", loss="softmax_cross_entropy", dtype="float64", seed=3)
    rng = np.random.default_rng(4)
    X = rng.normal(size=(11, sizes[0]))
    X[:, columns] = rng.normal(size=len(columns))  # the same values in every row
    folded = net.with_fixed_inputs(columns, X[0, columns])
    assert folded.layer_sizes == [sizes[0] - len(columns), *sizes[1:]]
    np.testing.assert_allclose(folded.predict(np.ascontiguousarray(np.delete(X, columns, axis=1)), raw=True),
                               net.predict(X, raw=True), rtol=1e-12, atol=1e-12)
