"""The windowed SSD matcher and the growing pass against brute force and their NumPy twins."""
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from colorcore import _ssd, reference
from colorcore.texture import gaussian_window

from conftest import TOLERANCE

pytestmark = pytest.mark.kernel


def brute_force_ssd(sample, window, mask, gaussian, template):
    """The definition, one window at a time: normalised, weighted SSD over valid template pixels."""
    n_channels, height, width = sample.shape
    out = np.zeros((height - window + 1, width))
    weights = gaussian * mask
    norm = weights.sum() * n_channels
    for y in range(height - window + 1):
        for x in range(width - window + 1):
            diff = sample[:, y:y + window, x:x + window] - template
            out[y, x] = np.sum(weights * diff * diff) / norm
    return out


def template_terms(mask, gaussian, template, dtype):
    rows, cols = np.nonzero(mask)
    weights = gaussian[rows, cols].astype(np.float64)
    weights /= weights.sum() * template.shape[0]
    values = template[:, rows, cols].T
    return (rows.astype(np.intp), cols.astype(np.intp), weights.astype(dtype), np.ascontiguousarray(values, dtype))


@given(channels=st.sampled_from([1, 3]), window=st.sampled_from([1, 3, 5, 7]), extra_h=st.integers(0, 9),
       extra_w=st.integers(0, 40), dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**32 - 1))
@example(channels=1, window=15 // 5, extra_h=0, extra_w=0, dtype=np.float32, seed=0)
@example(channels=3, window=7, extra_h=1, extra_w=600, dtype=np.float64, seed=1)
def test_masked_ssd_matches_brute_force_and_reference(channels, window, extra_h, extra_w, dtype, seed):
    rng = np.random.default_rng(seed)
    sample = rng.random((channels, window + extra_h, window + extra_w)).astype(dtype)
    template = rng.random((channels, window, window))
    mask = rng.random((window, window)) < 0.6
    mask[window // 2, window // 2] = False  # the pixel being grown is never known
    if not mask.any():
        mask[0, 0] = True
    gaussian = gaussian_window(window, np.float64)
    rows, cols, weights, values = template_terms(mask, gaussian, template, dtype)
    got = np.full((extra_h + 1, sample.shape[2]), np.nan, dtype)
    twin = np.full_like(got, np.nan)
    _ssd.masked_ssd(sample, window, rows, cols, weights, values, got)
    reference.masked_ssd(sample, window, rows, cols, weights, values, twin)
    want = brute_force_ssd(sample.astype(np.float64), window, mask, gaussian, template)
    np.testing.assert_allclose(got, want, **TOLERANCE[dtype])
    np.testing.assert_allclose(twin, want, **TOLERANCE[dtype])


def test_gray_and_rgb_errors_are_on_the_same_scale():
    rng = np.random.default_rng(0)
    gray = rng.random((1, 12, 12))
    rgb = np.repeat(gray, 3, axis=0)  # the same picture in three identical channels
    mask = np.ones((5, 5), bool)
    mask[2, 2] = False
    template = rng.random((1, 5, 5))
    g = gaussian_window(5, np.float64)
    out_gray, out_rgb = np.empty((8, 12)), np.empty((8, 12))
    _ssd.masked_ssd(gray, 5, *template_terms(mask, g, template, np.float64), out_gray)
    _ssd.masked_ssd(rgb, 5, *template_terms(mask, g, np.repeat(template, 3, axis=0), np.float64), out_rgb)
    np.testing.assert_allclose(out_rgb, out_gray, rtol=1e-12)


def test_perfect_match_has_zero_error_and_is_the_minimum():
    rng = np.random.default_rng(3)
    sample = rng.random((1, 20, 20))
    template = sample[:, 4:11, 9:16].copy()
    mask = np.ones((7, 7), bool)
    out = np.empty((14, 20))
    _ssd.masked_ssd(sample, 7, *template_terms(mask, gaussian_window(7, np.float64), template, np.float64), out)
    assert out[4, 9] == pytest.approx(0, abs=1e-15)
    assert np.argmin(out[:, :14]) == 4 * 14 + 9


@given(channels=st.sampled_from([1, 3]), window=st.sampled_from([3, 5]), seed=st.integers(0, 2**32 - 1))
def test_grow_pixels_matches_reference(channels, window, seed):
    # float64 and the same random numbers: the kernel and its twin must choose the same windows.
    rng = np.random.default_rng(seed)
    half = window // 2
    size, sample_size = 9, 11
    sample = rng.random((channels, sample_size, sample_size))
    image = np.zeros((channels, size + 2 * half, size + 2 * half))
    known = np.zeros((size + 2 * half, size + 2 * half), np.uint8)
    core = (slice(half, half + size), slice(half, half + size))
    start = rng.random((size, size)) < 0.5
    known[core] = start
    image[(slice(None),) + core] = np.where(start, rng.random((channels, size, size)), 0)
    usable = (rng.random((sample_size - window + 1,) * 2) < 0.8).astype(np.uint8)
    usable[0, 0] = 1
    rows, cols = np.nonzero(~start)
    uniforms = rng.random(rows.size)
    results = []
    for impl in (_ssd, reference):
        img, kn = image.copy(), known.copy()
        scratch = (np.empty(window * window, np.intp), np.empty(window * window, np.intp), np.empty(window * window),
                   np.empty((window * window, channels)), np.empty((sample_size - window + 1, sample_size)))
        filled = impl.grow_pixels(img, kn, sample, usable, gaussian_window(window, np.float64), rows.astype(np.intp),
                                  cols.astype(np.intp), uniforms, 0.1, 0.3, *scratch)
        results.append((filled, img, kn))
    assert results[0][0] == results[1][0]
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][2], results[1][2])


def test_grow_pixels_same_result_for_any_thread_count():
    # A 64 x 64 sample and window 9 pass the size at which each pixel's match is shared between threads.
    rng = np.random.default_rng(3)
    window, half, size = 9, 4, 20
    sample = rng.random((1, 64, 64)).astype(np.float32)
    image = np.zeros((1, size + 2 * half, size + 2 * half), np.float32)
    known = np.zeros((size + 2 * half, size + 2 * half), np.uint8)
    known[half:half + 10, half:half + size] = 1
    image[0, half:half + 10, half:half + size] = rng.random((10, size))
    rows, cols = np.nonzero(known[half:half + size, half:half + size] == 0)
    uniforms = rng.random(rows.size)
    usable = np.ones((64 - window + 1,) * 2, np.uint8)
    results = []
    for n_threads in (1, 2):
        img, kn = image.copy(), known.copy()
        scratch = (np.empty(window * window, np.intp), np.empty(window * window, np.intp),
                   np.empty(window * window, np.float32), np.empty((window * window, 1), np.float32),
                   np.empty((64 - window + 1, 64), np.float32))
        filled = _ssd.grow_pixels(img, kn, sample, usable, gaussian_window(window), rows.astype(np.intp),
                                  cols.astype(np.intp), uniforms, 0.1, 0.3, *scratch, n_threads)
        results.append((filled, img, kn))
    assert results[0][0] == results[1][0] > 0
    np.testing.assert_array_equal(results[0][1], results[1][1])
    np.testing.assert_array_equal(results[0][2], results[1][2])


@given(channels=st.sampled_from([1, 3]), window=st.sampled_from([3, 5]), radius=st.integers(0, 2),
       n_jumps=st.integers(0, 5), seed=st.integers(0, 2**32 - 1))
def test_grow_pixels_near_matches_reference(channels, window, radius, n_jumps, seed):
    """The fast path's pass: candidates near each guess, from the neighbours' sources and from the random
    search, same picks."""
    rng = np.random.default_rng(seed)
    half, size = window // 2, 14
    padded = size + 2 * half
    start = np.ones((size, size), bool)
    start[4:4 + rng.integers(2, 7), 3:3 + rng.integers(2, 8)] = False  # a hole
    image = np.zeros((channels, padded, padded))
    image[:, half:half + size, half:half + size] = np.where(start, rng.random((channels, size, size)), 0)
    known = np.zeros((padded, padded), np.uint8)
    known[half:half + size, half:half + size] = start
    own = np.stack(np.indices((size, size)), axis=-1).astype(np.intp)
    sources = np.ascontiguousarray(np.where(start[:, :, None], own, -1))
    windows = np.lib.stride_tricks.sliding_window_view(start, (window, window)).all(axis=(2, 3))
    usable = np.ascontiguousarray(windows, dtype=np.uint8)
    rows, cols = np.nonzero(~start)
    guesses = np.where(rng.random((rows.size, 1)) < 0.8, rng.integers(0, size, (rows.size, 2)), -1).astype(np.intp)
    jumps = rng.integers(-size, size + 1, (rows.size, n_jumps, 2)).astype(np.intp)
    uniforms = rng.random(rows.size)
    results = []
    for impl in (_ssd, reference):
        img, kn, src = image.copy(), known.copy(), sources.copy()
        n_candidates = (2 * radius + 1) ** 2 + 8 + n_jumps
        scratch = (np.empty((n_candidates, 2), np.intp), np.empty(n_candidates))
        filled = impl.grow_pixels_near(img, kn, src, usable, gaussian_window(window, np.float64), rows.astype(np.intp),
                                       cols.astype(np.intp), np.ascontiguousarray(guesses), radius, jumps, uniforms,
                                       0.1, 0.3, *scratch)
        results.append((filled, img, kn, src))
    assert results[0][0] == results[1][0]
    for got, want in zip(results[0][1:], results[1][1:]):
        np.testing.assert_array_equal(got, want)
    # every filled pixel holds the centre value of the window it names as its source
    img, kn, src = results[0][1:]
    for y, x in zip(rows, cols):
        if kn[y + half, x + half]:
            sy, sx = src[y, x]
            np.testing.assert_array_equal(img[:, y + half, x + half], img[:, sy + half, sx + half])


def hole_with_sources(rng, channels, window, size=14):
    """A padded (channels, size + 2 half, ...) image with a hole, and sources for the hole pixels: random
    centres of fully known windows. Returns image, hole, sources."""
    half = window // 2
    hole = np.zeros((size, size), bool)
    hole[4:4 + rng.integers(1, 6), 3:3 + rng.integers(1, 7)] = True
    image = np.zeros((channels, size + 2 * half, size + 2 * half))
    image[:, half:half + size, half:half + size] = np.where(hole, 0.5, rng.random((channels, size, size)))
    windows = ~np.lib.stride_tricks.sliding_window_view(hole, (window, window)).any(axis=(2, 3))
    corners = np.argwhere(windows)
    own = np.stack(np.indices((size, size)), axis=-1)
    sources = np.where(hole[:, :, None], -1, own).astype(np.intp)
    sources[hole] = corners[rng.integers(0, len(corners), int(hole.sum()))] + half
    return image, hole, sources


@given(channels=st.sampled_from([1, 3]), window=st.sampled_from([1, 3, 5]), seed=st.integers(0, 2**32 - 1))
def test_match_errors_matches_reference_and_brute_force(channels, window, seed):
    """The error of each hole pixel's window against its source's: kernel and twin agree with the
    Gaussian-weighted SSD over the weights of the window's pixels inside the image and the channels."""
    rng = np.random.default_rng(seed)
    image, hole, sources = hole_with_sources(rng, channels, window)
    half = window // 2
    known = np.pad(np.ones(hole.shape, np.uint8), half)
    rows, cols = (a.astype(np.intp) for a in np.nonzero(hole))
    found = []
    for impl in (_ssd, reference):
        errors = np.empty(rows.size)
        impl.match_errors(image, known, gaussian_window(window, np.float64), rows, cols, sources, errors)
        found.append(errors)
    np.testing.assert_allclose(found[0], found[1], rtol=1e-12, atol=1e-15)
    by_hand = [np.sum(gaussian_window(window, np.float64) * np.sum(
        (image[:, y:y + window, x:x + window] - image[:, sy:sy + window, sx:sx + window]) ** 2, axis=0))
        for (y, x), (sy, sx) in zip(zip(rows, cols), sources[rows, cols])]
    norms = [gaussian_window(window, np.float64)[known[y:y + window, x:x + window] > 0].sum() * channels
             for y, x in zip(rows, cols)]
    np.testing.assert_allclose(found[0], np.array(by_hand) / norms, rtol=1e-12, atol=1e-15)


@given(channels=st.sampled_from([1, 3]), window=st.sampled_from([1, 3, 5]), seed=st.integers(0, 2**32 - 1),
       dtype=st.sampled_from([np.float32, np.float64]))
def test_vote_pixels_matches_reference(channels, window, seed, dtype):
    """Each hole pixel becomes the weighted mean of what the windows over it copied; pixels no window
    votes for keep their value; known pixels never change."""
    rng = np.random.default_rng(seed)
    image, hole, sources = hole_with_sources(rng, channels, window)
    image = image.astype(dtype)
    half = window // 2
    weights = np.where(hole & (rng.random(hole.shape) < 0.7), rng.random(hole.shape), 0.0)
    rows, cols = (a.astype(np.intp) for a in np.nonzero(hole))
    voted = []
    for impl in (_ssd, reference):
        grid = image.copy()
        impl.vote_pixels(grid, sources, weights, half, rows, cols)
        voted.append(grid)
    tolerance = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(voted[0], voted[1], rtol=tolerance, atol=tolerance)
    inner = (slice(None), slice(half, half + hole.shape[0]), slice(half, half + hole.shape[1]))
    np.testing.assert_array_equal(voted[0][inner][:, ~hole], image[inner][:, ~hole])
    for y, x in zip(rows, cols):
        says = weights[max(y - half, 0):y + half + 1, max(x - half, 0):x + half + 1]
        if not says.any():
            np.testing.assert_array_equal(voted[0][:, y + half, x + half], image[:, y + half, x + half])
    # a window voting alone gives its copy's value
    if window == 1:
        own = weights[rows, cols] > 0
        np.testing.assert_allclose(voted[0][:, rows[own] + half, cols[own] + half],
                                   image[:, sources[rows[own], cols[own], 0] + half,
                                         sources[rows[own], cols[own], 1] + half], rtol=tolerance)
