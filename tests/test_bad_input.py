"""Odd and hostile input to the library's entry points: one clear error, never a bare NumPy or Cython one."""
import numpy as np
import pytest

import colorcore as cc
from colorcore.io import write_image


def test_read_only_arrays_train_like_any_other():
    model = cc.MLP([3, 4, 2], dtype="float64")
    rng = np.random.default_rng(0)
    X, T = rng.random((20, 3)), rng.random((20, 2))
    X.setflags(write=False)
    T.setflags(write=False)
    twin = model.copy()
    cc.train_epoch(model, cc.Adam(model.params), X, T, batch_size=8, rng=1)
    cc.train_epoch(twin, cc.Adam(twin.params), X.copy(), T.copy(), batch_size=8, rng=1)
    assert np.array_equal(model.params, twin.params)


@pytest.mark.parametrize("lam", [float("nan"), -1.0, float("inf")])
def test_cost_refuses_a_meaningless_penalty(lam):
    model = cc.MLP([2, 2, 1], dtype="float64")
    with pytest.raises(ValueError, match="lam .* must be a finite number >= 0"):
        model.cost(np.zeros((3, 2)), np.zeros((3, 1)), lam)


@pytest.mark.parametrize("call", [
    lambda empty: cc.colorize(empty),
    lambda empty: cc.fill_holes(empty, np.zeros(empty.shape[:2], bool)),
    lambda empty: cc.synthesize(empty, 8, window=3),
    lambda empty: cc.propagate_hints(empty, np.zeros(empty.shape[:2] + (4,))),
])
def test_an_empty_image_is_named_as_such(call):
    with pytest.raises(ValueError, match=r"is empty \(shape 5x0x3\)"):
        call(np.zeros((5, 0, 3), np.uint8))


def test_a_huge_texture_is_refused_before_allocating():
    with pytest.raises(ValueError, match="10000000000 megapixels|megapixels; colorcore grows at most"):
        cc.synthesize(np.zeros((8, 8), np.uint8), (100000, 100000), window=3)


def test_pgm_is_for_gray_images(tmp_path):
    with pytest.raises(ValueError, match=".pgm holds gray images only"):
        write_image(tmp_path / "x.pgm", np.zeros((4, 4, 3), np.uint8))
    write_image(tmp_path / "x.pgm", np.zeros((4, 4), np.uint8))
    assert not list(tmp_path.glob(".*part*"))
