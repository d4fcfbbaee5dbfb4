"""Feature extractors: kernel against NumPy twin, each extractor's meaning, specs and their errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from colorcore.extractors import REGISTRY, FeaturePipeline, parse_pipeline
from colorcore.extractors.thumbnail import area_resize

PIPELINES = ["window", "window:radius=3,padding=reflect", "pyramid:levels=4", "pyramid:levels=2,radius=1,padding=zero",
             "thumbnail:size=8", "position", "texture:grid=2,scales=3", "tones:bins=4,bands=3",
             "detail:scales=2", "pyramid:levels=4+thumbnail+position+texture+tones+detail"]


@pytest.mark.kernel
@given(h=st.integers(1, 40), w=st.integers(1, 40), spec=st.sampled_from(PIPELINES),
       dtype=st.sampled_from([np.float32, np.float64]), n_threads=st.sampled_from([1, 2]),
       seed=st.integers(0, 2**32 - 1))
def test_pipeline_kernels_match_the_reference(h, w, spec, dtype, n_threads, seed):
    gray = np.random.default_rng(seed).random((h, w))
    pipeline = FeaturePipeline(spec)
    got = pipeline.extract(gray, dtype, n_threads=n_threads)
    want = pipeline.extract(gray, dtype, use_reference=True)
    assert got.shape == (h * w, pipeline.width) and got.dtype == dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.kernel
@given(h=st.integers(1, 30), w=st.integers(1, 30), spec=st.sampled_from(PIPELINES),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_features_of_chosen_pixels_are_those_rows_of_the_whole_image(h, w, spec, dtype, seed, data):
    gray = np.random.default_rng(seed).random((h, w))
    pixels = np.array(data.draw(st.lists(st.integers(0, h * w - 1), max_size=40)), dtype=np.intp)
    pipeline = FeaturePipeline(spec)
    whole = pipeline.extract(gray, dtype)
    for use_reference in (False, True):
        got = pipeline.extract(gray, dtype, use_reference=use_reference, pixels=pixels)
        np.testing.assert_array_equal(got, whole[pixels])


@given(h=st.integers(1, 20), w=st.integers(1, 20), spec=st.sampled_from(PIPELINES), seed=st.integers(0, 2**32 - 1))
def test_split_features_are_the_per_pixel_columns_and_the_photo_descriptor(h, w, spec, seed):
    gray = np.random.default_rng(seed).random((h, w))
    pipeline = FeaturePipeline(spec)
    whole = pipeline.extract(gray)
    pixel_features, photo = pipeline.extract(gray, split=True)
    photo_columns = pipeline.photo_columns
    np.testing.assert_array_equal(pixel_features, np.delete(whole, photo_columns, axis=1))
    np.testing.assert_array_equal(whole[:, photo_columns], np.broadcast_to(photo, (h * w, len(photo))))
    assert len(photo) == sum(e.width for e in pipeline.extractors if e.per_photo)


def test_pyramid_level_zero_is_the_seed_window_and_coarse_levels_see_far():
    gray = np.random.default_rng(0).random((40, 50))
    pyramid = FeaturePipeline("pyramid:levels=4").extract(gray, "float64")
    window = FeaturePipeline("window").extract(gray, "float64")
    np.testing.assert_array_equal(pyramid[:, :25], window)
    # Level 3's top-left tap of pixel (20, 25) reads the blurred image 16 rows up and 16 columns left.
    from scipy import ndimage
    blurred = ndimage.gaussian_filter(gray, 4, mode="nearest")
    assert pyramid[20 * 50 + 25, 75] == pytest.approx(blurred[4, 9])


def test_thumbnail_is_an_exact_area_average():
    gray = np.random.default_rng(1).random((32, 24))
    features = FeaturePipeline("thumbnail:size=8").extract(gray, "float64")
    blocks = gray.reshape(8, 4, 8, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(features[0, :64], blocks.ravel())
    np.testing.assert_allclose(features[0, 64:], [gray.mean(), gray.std()])
    assert (features == features[0]).all()  # the same for every pixel
    uneven = np.random.default_rng(2).random((13, 7))
    assert area_resize(uneven, 3, 5).mean() == pytest.approx(uneven.mean())  # fractional pixels counted once


def test_position_runs_from_top_left_to_bottom_right():
    features = FeaturePipeline("position").extract(np.zeros((4, 5)), "float64").reshape(4, 5, 2)
    np.testing.assert_allclose(features[:, 0, 0], [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(features[0, :, 1], [0.1, 0.3, 0.5, 0.7, 0.9])


def test_texture_layout_says_where_the_picture_changes_and_which_way():
    """Vertical stripes on the left half, flat grey on the right: change to the right (and diagonally)
    in the left cells only, none downwards anywhere; a flat picture has none at all."""
    gray = np.full((32, 32), 0.5)
    gray[:, :16] = np.arange(16) % 2
    features = FeaturePipeline("texture:grid=2,scales=1").extract(gray, "float64")
    assert (features == features[0]).all()  # the same for every pixel
    right, lower_right, down, lower_left = features[0].reshape(4, 2, 2)  # direction, grid row, grid column
    assert right[:, 0].min() > 10 * right[:, 1].max()
    np.testing.assert_allclose(lower_right[:, 0], right[:, 0], rtol=0.02)  # (the picture's edge is repeated)
    np.testing.assert_allclose(lower_left[:, 0], right[:, 0], rtol=0.02)
    np.testing.assert_array_equal(down, 0)
    np.testing.assert_allclose(FeaturePipeline("texture").extract(np.full((20, 30), 0.3), "float64"), 0, atol=1e-12)
    assert FeaturePipeline("texture:grid=3,scales=2").width == 4 * 2 * 9


def test_tones_say_how_the_gray_levels_spread_in_each_band():
    """White over black, then a gradient: each band's shares sum to one and sit in the bins of its levels."""
    gray = np.zeros((30, 20))
    gray[:10] = 1.0
    features = FeaturePipeline("tones:bins=4,bands=3").extract(gray, "float64")
    assert (features == features[0]).all()
    top, middle, bottom = features[0].reshape(3, 4)
    np.testing.assert_array_equal(top, [0, 0, 0, 1])
    np.testing.assert_array_equal(middle, [1, 0, 0, 0])
    np.testing.assert_array_equal(bottom, [1, 0, 0, 0])
    ramp = np.tile(np.linspace(0, 1, 40), (7, 1))
    shares = FeaturePipeline("tones:bins=8,bands=2").extract(ramp, "float64")[0].reshape(2, 8)
    np.testing.assert_allclose(shares, 1 / 8)
    tiny = FeaturePipeline("tones:bins=4,bands=3").extract(np.full((2, 3), 0.6))  # fewer rows than bands
    assert tiny.shape == (6, 12) and (tiny[0].reshape(3, 4) == [0, 0, 1, 0]).all()


def test_detail_says_how_much_and_which_way_the_photo_changes_at_each_pixel():
    """Vertical stripes on the left, flat grey on the right: change to the right on the left only, none
    downwards anywhere; a flat photo has none at all."""
    gray = np.full((40, 60), 0.5)
    gray[:, :24] = np.arange(24) % 2
    features = FeaturePipeline("detail:scales=1").extract(gray, "float64").reshape(40, 60, 4)
    right, lower_right, down, lower_left = np.moveaxis(features, -1, 0)
    assert right[:, :16].min() > 3 and right[:, 40:].max() < 1e-6  # (its Gaussian reaches 2 pixels far)
    np.testing.assert_allclose(lower_right[:, :16], right[:, :16])
    np.testing.assert_allclose(down, 0, atol=1e-12)
    np.testing.assert_allclose(FeaturePipeline("detail").extract(np.full((9, 7), 0.3), "float64"), 0, atol=1e-12)
    assert FeaturePipeline("detail:scales=2").width == 8


def test_specs_round_trip_and_registry():
    pipeline = FeaturePipeline("pyramid:levels=3,radius=1+thumbnail:size=4+position")
    assert FeaturePipeline(pipeline.specs()) == pipeline
    assert pipeline.width == 3 * 9 + 18 + 2 and pipeline.local_reach is None
    assert FeaturePipeline("window:radius=3").local_reach == 3
    assert set(REGISTRY) >= {"window", "pyramid", "thumbnail", "position"}
    assert parse_pipeline("window:radius=2 + position") == [{"name": "window", "radius": 2}, {"name": "position"}]


@pytest.mark.parametrize("spec, message", [
    ("sift", "unknown feature extractor 'sift'"),
    ("window:radius", "must look like key=value"),
    ("window:size=3", "takes radius, padding"),
    ("window:radius=-1", "window radius must be an integer from 0 to 15"),
    ("pyramid:padding=wrap", "unknown padding 'wrap'"),
    ("thumbnail:size=0", "thumbnail size must be an integer from 1 to 32"),
    ("texture:grid=9", "texture grid must be an integer from 1 to 8"),
    ("tones:bins=1", "tones bins must be an integer from 2 to 64"),
    ("tones:bands=0", "tones bands must be an integer from 1 to 8"),
    ("detail:scales=6", "detail scales must be an integer from 1 to 5"),
    ("", "needs at least one extractor"),
    ([{"radius": 2}], "a name or a dict with a 'name'"),
])
def test_bad_specs_get_one_line_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        FeaturePipeline(spec)


def test_bad_images_are_refused():
    pipeline = FeaturePipeline("window")
    with pytest.raises(ValueError, match="2-D gray image"):
        pipeline.extract(np.zeros((2, 2, 3)))
    with pytest.raises(ValueError, match="NaN or infinite"):
        pipeline.extract(np.full((2, 2), np.nan))
    assert pipeline.extract(np.zeros((0, 5))).shape == (0, 25)
    with pytest.raises(ValueError, match="flat indices"):
        pipeline.extract(np.zeros((2, 2)), pixels=[4])
