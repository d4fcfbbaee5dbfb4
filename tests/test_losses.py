"""The losses: the softmax cross-entropy's value and gradient, the MLP's loss option, training on it."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import colorcore as cc
from colorcore.activations import ACTIVATIONS
from colorcore.losses import LOSSES, loss_code, loss_sum, output_gradient, softmax


def soft_targets(rng, m, n_classes, weighted=True):
    T = rng.uniform(0, 1, size=(m, n_classes)) ** 3
    T /= T.sum(axis=1, keepdims=True)
    return T * rng.uniform(0.5, 2, size=(m, 1)) if weighted else T


def test_softmax_cross_entropy_by_hand():
    Y = np.array([[0.0, np.log(3.0)]])  # softmax = (1/4, 3/4)
    T = np.array([[0.0, 1.0]])
    assert loss_sum("softmax_cross_entropy", Y, T) == pytest.approx(-np.log(0.75))
    np.testing.assert_allclose(output_gradient("softmax_cross_entropy", Y, T), [[0.25, -0.25]])
    np.testing.assert_allclose(softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])  # no overflow


@given(seed=st.integers(0, 10_000), depth=st.integers(1, 3), hidden=st.sampled_from(ACTIVATIONS),
       weighted=st.booleans())
def test_softmax_cross_entropy_gradient_matches_finite_differences(seed, depth, hidden, weighted):
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(2, 7, size=depth + 1)]
    X = rng.normal(size=(int(rng.integers(1, 6)), sizes[0]))
    T = soft_targets(rng, X.shape[0], sizes[-1], weighted)
    if hidden == "relu":
        hidden = "tanh"  # the relu kink is covered by test_network; here the loss is what is checked
    model = cc.MLP(sizes, hidden=hidden, dtype="float64", seed=seed, loss="softmax_cross_entropy")
    assert cc.gradcheck(model, X, T, lam=1e-4) < 1e-11


def test_mlp_loss_option():
    model = cc.MLP([4, 5, 3], loss="softmax_cross_entropy")
    assert model.output == "identity" and model.loss_code == loss_code("softmax_cross_entropy")
    probabilities = model.predict(np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-6)
    assert "softmax_cross_entropy" in repr(model) and model.copy().loss == "softmax_cross_entropy"
    assert cc.MLP([4, 3]).output == "sigmoid"  # the original assignment's default
    with pytest.raises(ValueError, match="must be 'identity'"):
        cc.MLP([4, 3], output="sigmoid", loss="softmax_cross_entropy")
    with pytest.raises(ValueError, match="choose one of " + ", ".join(LOSSES)):
        cc.MLP([4, 3], loss="hinge")


@pytest.mark.parametrize("use_reference", [False, True])
def test_training_on_soft_labels_learns_the_classes(use_reference):
    # Three classes told apart by which input is largest: an epoch-trained softmax net gets them right.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3)).astype(np.float32)
    T = np.eye(3, dtype=np.float32)[X.argmax(axis=1)] * 0.9 + 0.1 / 3
    model = cc.MLP([3, 16, 3], hidden="tanh", loss="softmax_cross_entropy", seed=1)
    optimizer = cc.Adam(model, lr=1e-2)
    costs = [cc.train_epoch(model, optimizer, X, T, batch_size=64, rng=epoch, use_reference=use_reference)
             for epoch in range(15)]
    assert costs[-1] < costs[0]
    assert (model.predict(X).argmax(axis=1) == X.argmax(axis=1)).mean() > 0.95
