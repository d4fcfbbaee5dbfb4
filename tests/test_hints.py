"""Colour hints and colour transfer: the affinity kernels against their NumPy twins, the multigrid solve
against a direct sparse solve, what the hints do to a photo, and bad input."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from scipy import sparse
from scipy.sparse.linalg import spsolve
from skimage import color

import colorcore as cc
from colorcore import _affinity, hints, propagate, reference
from colorcore.features import chroma_to_rgb, to_gray
from colorcore.transfer import transfer_colors

from conftest import TOLERANCE, run_module

TOL = TOLERANCE[np.float64]
shapes = st.tuples(st.integers(1, 13), st.integers(1, 13))


def affinity_inputs(shape, seed, known_share=0.3):
    rng = np.random.default_rng(seed)
    lightness = rng.random(shape)
    scales = np.empty(shape)
    _affinity.affinity_scales(lightness, scales)
    weights = np.empty(shape + (4,))
    _affinity.affinity_weights(lightness, scales, weights)
    free = rng.random(shape) > known_share
    return rng, lightness, propagate.free_couplings(weights, free), free.astype(np.float64)


@pytest.mark.kernel
@given(shape=shapes, threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1))
def test_affinity_kernels_match_their_twins(shape, threads, seed):
    rng, lightness, _, _ = affinity_inputs(shape, seed)
    lightness[rng.random(shape) < 0.3] = 0.5  # flat patches: the variance floor
    got, want = np.empty(shape), np.empty(shape)
    _affinity.affinity_scales(lightness, got, threads)
    reference.affinity_scales(lightness, want)
    np.testing.assert_allclose(got, want, **TOL)
    got_w, want_w = np.empty(shape + (4,)), np.empty(shape + (4,))
    _affinity.affinity_weights(lightness, want, got_w, threads)
    reference.affinity_weights(lightness, want, want_w)
    np.testing.assert_allclose(got_w, want_w, **TOL)
    assert np.all((got_w > 0) <= (got_w <= 1))


@pytest.mark.kernel
@given(shape=shapes, channels=st.integers(1, 3), threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1))
def test_operator_kernels_match_their_twins(shape, channels, threads, seed):
    rng, _, weights, free = affinity_inputs(shape, seed)
    diagonal = 1 + rng.random(shape)
    values, rhs = rng.normal(size=shape + (channels,)), rng.normal(size=shape + (channels,))
    for name, args in [("affinity_apply", (weights, diagonal, values)),
                       ("affinity_residual", (weights, diagonal, rhs, values)),
                       ("affinity_smooth", (weights, diagonal, free, rhs, values, 0.67))]:
        got, want = np.empty_like(values), np.empty_like(values)
        getattr(_affinity, name)(*args, got, threads)
        getattr(reference, name)(*args, want)
        np.testing.assert_allclose(got, want, **TOL, err_msg=name)
    coarse_shape = ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
    got, want = np.empty(coarse_shape + (channels,)), np.empty(coarse_shape + (channels,))
    _affinity.block_sums(values, got, threads)
    reference.block_sums(values, want)
    np.testing.assert_allclose(got, want, **TOL)
    got_fine, want_fine = values.copy(), values.copy()
    _affinity.block_spread_add(got, free, 0.7, got_fine, threads)
    reference.block_spread_add(got, free, 0.7, want_fine)
    np.testing.assert_allclose(got_fine, want_fine, **TOL)


@pytest.mark.kernel
@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_coarse_operator_is_the_galerkin_product(shape, seed):
    rng, _, weights, free = affinity_inputs(shape, seed)
    diagonal = 1 + rng.random(shape)
    coarse_shape = ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
    results = []
    for kernels in (_affinity, reference):
        coarse_weights, coarse_diagonal = np.zeros(coarse_shape + (4,)), np.zeros(coarse_shape)
        kernels.coarsen_affinities(weights, diagonal, free, coarse_weights, coarse_diagonal)
        results.append((coarse_weights, coarse_diagonal))
    np.testing.assert_allclose(results[0][0], results[1][0], **TOL)
    np.testing.assert_allclose(results[0][1], results[1][1], **TOL)


@pytest.mark.kernel
@given(shape=shapes, channels=st.integers(1, 3), threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1))
def test_conjugate_gradient_updates_match_their_twins(shape, channels, threads, seed):
    rng = np.random.default_rng(seed)
    x, r, d, p, z = (rng.normal(size=shape + (channels,)) for _ in range(5))
    step = rng.normal(size=channels)
    got, want = (x.copy(), r.copy()), (x.copy(), r.copy())
    _affinity.cg_update(*got, d, p, step, threads)
    reference.cg_update(*want, d, p, step)
    np.testing.assert_allclose(got, want, **TOL)
    got_d, want_d = d.copy(), d.copy()
    _affinity.cg_direction(got_d, z, step, threads)
    reference.cg_direction(want_d, z, step)
    np.testing.assert_allclose(got_d, want_d, **TOL)
    dots, want_dots = np.empty(channels), np.empty(channels)
    assert _affinity.dot_and_largest(x, z, dots) == pytest.approx(reference.dot_and_largest(x, z, want_dots))
    np.testing.assert_allclose(dots, want_dots, rtol=1e-9, atol=1e-9)


def dense_solution(lightness, known, values, prior=None, prior_weight=0.0):
    """The system of colorcore.propagate, built as a dense matrix and solved by NumPy."""
    weights, degree = propagate.affinities(lightness, use_reference=True)
    matrix = np.diag(degree.ravel() + prior_weight) - reference.affinity_matrix(weights).toarray()
    flat_known = known.ravel()
    x = values.reshape(flat_known.size, -1).copy()
    rhs = (prior_weight * prior.reshape(x.shape) if prior is not None else np.zeros_like(x))
    rhs = rhs[~flat_known] - matrix[~flat_known][:, flat_known] @ x[flat_known]
    x[~flat_known] = np.linalg.solve(matrix[~flat_known][:, ~flat_known], rhs)
    return x.reshape(values.shape)


@pytest.mark.parametrize("shape, prior_weight", [((9, 13), 0.0), ((24, 17), 0.0), ((20, 21), 0.05), ((1, 30), 0.0)])
def test_propagation_solves_the_sparse_system(shape, prior_weight):
    rng = np.random.default_rng(sum(shape))
    lightness = np.clip(np.add.outer(np.linspace(0, 1, shape[0]), np.linspace(0, 0.5, shape[1]))
                        + 0.05 * rng.normal(size=shape), 0, 1)
    known = rng.random(shape) < 0.08
    known.flat[0] = True
    values = rng.normal(scale=30, size=shape + (2,))
    prior = rng.normal(scale=30, size=shape + (2,)) if prior_weight else None
    want = dense_solution(lightness, known, values, prior, prior_weight)
    for use_reference in (False, True):
        got = propagate.propagate(lightness, known, values, prior, prior_weight, tolerance=1e-9,
                                  use_reference=use_reference)
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert np.array_equal(got[known], values[known])


def test_multigrid_levels_agree_with_a_direct_sparse_solve():
    """A photo-sized problem (several coarse levels) against SciPy's direct solver."""
    rng = np.random.default_rng(3)
    h, w = 150, 113
    lightness = np.clip(0.5 + 0.4 * np.sin(np.arange(h)[:, None] / 9) * np.cos(np.arange(w)[None, :] / 13)
                        + 0.02 * rng.normal(size=(h, w)), 0, 1)
    known = np.zeros((h, w), dtype=bool)
    known[rng.integers(0, h, 12), rng.integers(0, w, 12)] = True
    values = rng.normal(scale=40, size=(h, w, 2))
    weights, degree = propagate.affinities(lightness)
    matrix = (sparse.diags(degree.ravel()) - reference.affinity_matrix(weights)).tocsr()
    free = ~known.ravel()
    rhs = -(matrix[free][:, ~free] @ values.reshape(-1, 2)[~free])
    want = values.reshape(-1, 2).copy()
    for c in range(2):
        want[free, c] = spsolve(matrix[free][:, free].tocsc(), rhs[:, c])
    got = propagate.propagate(lightness, known, values, tolerance=1e-7)
    np.testing.assert_allclose(got.reshape(-1, 2), want, atol=1e-4)


def photo_with_regions():
    """A 40x60 gray photo: a dark left half and a bright right half with a soft texture."""
    rng = np.random.default_rng(0)
    gray = np.where(np.arange(60)[None, :] < 30, 0.3, 0.75) + 0.02 * rng.random((40, 60))
    return np.repeat(gray[..., None], 3, axis=2)


def test_hinted_pixels_keep_their_chroma_and_colour_stays_in_its_region():
    photo = photo_with_regions()
    layer = np.zeros((40, 60, 4))
    layer[18:21, 5:8] = [0.8, 0.2, 0.2, 1.0]   # red, in the dark half
    layer[18:21, 50:53] = [0.2, 0.3, 0.9, 1.0]  # blue, in the bright half
    for out in (cc.propagate_hints(photo, layer), cc.colorize(photo, hints=layer)):
        gray = to_gray(photo)
        np.testing.assert_allclose(to_gray(out), gray, atol=1e-9)  # the photo's luma, exactly
        known, chroma = hints.read_hints(layer, gray.shape)
        np.testing.assert_allclose(out[known], chroma_to_rgb(gray, chroma)[known], atol=1e-9)
        ab = color.rgb2lab(out)[..., 1:]
        assert ab[5:35, :25, 0].mean() > 10 and ab[5:35, 35:, 1].mean() < -10  # red left, blue right


def test_no_hints_gives_the_network_output_and_mask_colours_pairs_work():
    photo = (photo_with_regions() * 255).astype(np.uint8)
    assert np.array_equal(cc.colorize(photo, hints=np.zeros((40, 60, 4), np.uint8)), cc.colorize(photo))
    mask = np.zeros((40, 60), dtype=bool)
    mask[10, 10] = mask[30, 40] = True
    by_rows = cc.colorize(photo, hints=(mask, np.array([[200, 40, 40], [40, 200, 40]], np.uint8)))
    layer = np.zeros((40, 60, 4), np.uint8)
    layer[10, 10], layer[30, 40] = [200, 40, 40, 255], [40, 200, 40, 255]
    assert np.array_equal(by_rows, cc.colorize(photo, hints=layer))
    assert np.array_equal(by_rows, cc.colorize(photo, hints=Image.fromarray(layer, "RGBA")))


@pytest.mark.parametrize("method", ["reinhard", "match"])
def test_transfer_from_a_reference_of_another_size(method):
    rng = np.random.default_rng(1)
    photo = photo_with_regions()
    ref = np.zeros((70, 45, 3))
    ref[:, :, 0] = np.linspace(0.2, 0.9, 70)[:, None]  # reddish, brighter lower down
    ref[:, :, 1] = 0.3 + 0.05 * rng.random((70, 45))
    ref[:, :, 2] = 0.2
    out = transfer_colors(photo, ref, method)
    assert out.shape == photo.shape
    np.testing.assert_allclose(to_gray(out), to_gray(photo), atol=1e-9)
    assert color.rgb2lab(out)[..., 1].mean() > 5  # it took the reference's red
    uint8 = transfer_colors((photo * 255).astype(np.uint8), (ref * 255).astype(np.uint8), method)
    assert uint8.dtype == np.uint8


@pytest.mark.parametrize("make_hints, message", [
    (lambda: np.zeros((10, 60, 4)), "the hints are 60x10 pixels but the photo is 60x40"),
    (lambda: np.zeros((40, 60, 3)), "no alpha channel"),
    (lambda: np.ones((40, 60, 4)), "every pixel is hinted"),
    (lambda: np.full((40, 60, 4), np.nan), "NaN"),
    (lambda: (np.ones((40, 60)), np.zeros((3, 3))), "hint colours must be"),
    (lambda: (np.zeros((40, 60)), np.zeros((0, 3)), 1), "(mask, colours)"),
])
def test_bad_hints_get_one_clear_error(make_hints, message):
    with pytest.raises(ValueError, match=None) as err:
        cc.colorize(photo_with_regions(), hints=make_hints())
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_transfer_input():
    photo = photo_with_regions()
    with pytest.raises(ValueError, match="reference photo is gray"):
        transfer_colors(photo, photo)
    with pytest.raises(ValueError, match="unknown transfer method"):
        transfer_colors(photo, np.random.default_rng(0).random((9, 9, 3)), "magic")
    with pytest.raises(ValueError, match="mark no pixel"):
        cc.propagate_hints(photo, np.zeros((40, 60, 4)))


def test_cli_hints_and_reference(tmp_path):
    photo = (photo_with_regions() * 255).astype(np.uint8)
    Image.fromarray(photo).save(tmp_path / "old.png")
    layer = np.zeros((40, 60, 4), np.uint8)
    layer[15:25, 3:9] = [220, 30, 30, 255]
    Image.fromarray(layer, "RGBA").save(tmp_path / "scribbles.png")
    Image.fromarray(layer[..., :3]).save(tmp_path / "no_alpha.png")
    Image.fromarray(np.dstack([photo[..., 0], photo[..., 1] // 2, photo[..., 2] // 3])).save(tmp_path / "ref.png")
    done = run_module("colorcore", "colorize", "old.png", "--hints", "scribbles.png", "-o", "out.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = np.asarray(Image.open(tmp_path / "out.png"))
    assert color.rgb2lab(out)[15:25, 3:9, 1].mean() > 20  # red where painted
    done = run_module("colorcore", "colorize", "old.png", "--reference", "ref.png", "--transfer", "match", "-o",
                      "ref_out.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for args, message in [(["--hints", "no_alpha.png"], "no alpha channel"),
                          (["--hints", "scribbles.png", "--reference", "ref.png"], "give one"),
                          (["--reference", "old.png"], "reference photo is gray"),
                          (["--hints", "missing.png"], "no such file")]:
        done = run_module("colorcore", "colorize", "old.png", *args, "-o", "bad.png", cwd=tmp_path)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert not (tmp_path / "bad.png").exists()
