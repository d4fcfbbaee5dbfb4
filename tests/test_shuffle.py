"""The row-order kernel (pyx/shuffle.pyx) and the façade's shuffled_rows."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from colorcore import _shuffle
from colorcore.minibatch import shuffled_rows


@pytest.mark.kernel
@given(n=st.integers(0, 3000), seed=st.integers(0, 2**64 - 1))
def test_permutation_holds_every_row_once(n, seed):
    order = np.full(n, -1, dtype=np.intp)
    _shuffle.permutation(order, seed)
    np.testing.assert_array_equal(np.sort(order), np.arange(n))


@pytest.mark.kernel
def test_permutation_is_uniform_over_small_sets():
    # All 24 orders of 4 rows, 24,000 draws: each count is binomial(24000, 1/24) (sd 19.6) around 1000.
    order = np.empty(4, dtype=np.intp)
    counts = {}
    for seed in range(24_000):
        _shuffle.permutation(order, seed)
        counts[tuple(order)] = counts.get(tuple(order), 0) + 1
    assert len(counts) == 24
    assert all(abs(count - 1000) < 6 * 19.6 for count in counts.values())
    # And each row lands in each position about equally often across a larger set.
    positions = np.zeros((10, 10), dtype=int)
    order = np.empty(10, dtype=np.intp)
    for seed in range(5000):
        _shuffle.permutation(order, seed)
        positions[order, np.arange(10)] += 1
    assert np.all(np.abs(positions - 500) < 6 * np.sqrt(5000 * 0.1 * 0.9))


def test_shuffled_rows_follow_the_seed():
    first, again, other = shuffled_rows(1000, 3), shuffled_rows(1000, 3), shuffled_rows(1000, 4)
    assert first.dtype == np.intp
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    np.testing.assert_array_equal(np.sort(first), np.arange(1000))
    generator = np.random.default_rng(9)
    assert not np.array_equal(shuffled_rows(50, generator), shuffled_rows(50, generator))  # the stream moves on
    assert shuffled_rows(0, 1).shape == (0,)
