"""Gray conversion, context windows (kernel against NumPy twin), the colour targets and Lab decoding."""
import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image
from skimage import color

from colorcore import _windows, reference
from colorcore.extractors import FeaturePipeline
from colorcore.features import (GRAY_WEIGHTS, PADDINGS, chroma_to_rgb, gray_lightness, guided_chroma_to_rgb,
                                keep_luma, to_gray)
from colorcore.targets import LabTarget, RGBTarget, target_from_spec


def windows(image, radius, padding="edge"):
    return FeaturePipeline(f"window:radius={radius},padding={padding}").extract(image)


def lab_decode(gray, outputs):
    """What a lab model's sigmoid outputs become: chroma on the gray image's lightness."""
    return chroma_to_rgb(gray, LabTarget().chroma(outputs, gray.shape))


@pytest.mark.kernel
@given(h=st.integers(1, 13), w=st.integers(1, 13), radius=st.integers(0, 9), step=st.integers(1, 5),
       padding=st.sampled_from(range(3)), col0=st.integers(0, 3), dtype=st.sampled_from([np.float32, np.float64]),
       n_threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1))
def test_context_windows_kernel_matches_reference(h, w, radius, step, padding, col0, dtype, n_threads, seed):
    image = np.random.default_rng(seed).random((h, w)).astype(dtype)
    side = 2 * radius + 1
    # Extra columns either side hold a sentinel: the kernel must write only its own columns.
    got = np.full((h * w, col0 + side * side + 2), -7, dtype)
    want = got.copy()
    _windows.context_windows(image, radius, step, padding, got, col0, n_threads)
    reference.context_windows(image, radius, step, padding, want, col0)
    np.testing.assert_array_equal(got, want)
    assert (got[:, :col0] == -7).all() and (got[:, col0 + side * side:] == -7).all()


def test_context_window_layout_and_padding():
    image = np.arange(12, dtype=np.float32).reshape(3, 4)
    edge = windows(image, radius=1)
    np.testing.assert_array_equal(edge[5].reshape(3, 3), image[0:3, 0:3])  # pixel (1, 1): interior
    np.testing.assert_array_equal(edge[0].reshape(3, 3), [[0, 0, 1], [0, 0, 1], [4, 4, 5]])  # edge padding
    zero = windows(image, radius=1, padding="zero")
    np.testing.assert_array_equal(zero[0].reshape(3, 3), [[0, 0, 0], [0, 0, 1], [0, 4, 5]])
    reflect = windows(image, radius=1, padding="reflect")
    np.testing.assert_array_equal(reflect[0].reshape(3, 3), [[5, 4, 5], [1, 0, 1], [5, 4, 5]])


def test_window_wider_than_the_image_works():
    image = np.array([[0.25, 0.75]], dtype=np.float32)
    for padding in PADDINGS:
        wide = windows(image, radius=4, padding=padding)
        assert wide.shape == (2, 81) and np.isfinite(wide).all()


def test_gray_matches_pillow_luma():
    rgb = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    pillow = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float64) / 255
    np.testing.assert_allclose(to_gray(rgb / 255.0), pillow, atol=1 / 255)


@pytest.mark.parametrize("target", ["rgb", "lab"])
def test_targets_round_trip(target):
    rgb = np.random.default_rng(1).random((8, 8, 3))
    encoded = (RGBTarget() if target == "rgb" else LabTarget()).encode(rgb)
    assert encoded.min() >= 0 and encoded.max() <= 1
    if target == "rgb":
        np.testing.assert_allclose(RGBTarget().rgb(encoded, (8, 8)), rgb, atol=1e-12)
    else:
        # Lightness comes from 601 luma, not from the true L*, so colours come back close, not exact.
        assert np.abs(lab_decode(to_gray(rgb), encoded) - rgb).mean() < 0.05


def test_lab_output_keeps_the_input_lightness_exactly():
    gray = np.random.default_rng(2).random((10, 10))
    wild_chroma = np.random.default_rng(3).random((100, 2))  # any prediction, even saturated colours
    rgb = lab_decode(gray, wild_chroma)
    assert rgb.min() >= 0 and rgb.max() <= 1
    np.testing.assert_allclose(to_gray(rgb), gray, atol=1e-12)


def test_saturated_lab_predictions_decode_without_a_warning():
    # Deep yellows on dark grays lie outside sRGB: skimage clips their negative Z to zero and warns; the
    # decoder caps b* so that the same colours come out with no warning (it decodes on several threads).
    gray = np.linspace(0.02, 0.98, 64).reshape(8, 8)
    chroma = np.tile([0.5, 1.0], (64, 1))  # a* 0, b* at its largest
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rgb = lab_decode(gray, chroma)
    assert not caught
    lab = np.stack([gray_lightness(gray), np.zeros((8, 8)), np.full((8, 8), 128.0)], axis=-1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clipped = np.clip(color.lab2rgb(lab), 0, 1)
    assert caught  # the case really is out of gamut
    np.testing.assert_allclose(rgb, keep_luma(gray, clipped, GRAY_WEIGHTS), atol=2e-6)  # single-precision powers in pyx/colour.pyx


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown padding 'wrap'"):
        windows(np.zeros((3, 3)), 2, padding="wrap")
    with pytest.raises(ValueError, match="radius"):
        windows(np.zeros((3, 3)), radius=-1)
    with pytest.raises(ValueError, match="unknown target"):
        target_from_spec("hsv")


@pytest.mark.kernel
@given(h=st.integers(1, 64), w=st.integers(1, 64), n_threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1),
       spread=st.sampled_from([1.0, 60.0, 200.0]))
@example(h=300, w=300, n_threads=2, seed=0, spread=80.0)  # big enough that both threads overlap in time
def test_chroma_to_rgb_kernel_matches_skimage_and_keeps_the_luma(h, w, n_threads, seed, spread):
    rng = np.random.default_rng(seed)
    gray = rng.random((h, w))
    gray[0, 0] = rng.choice([0.0, 1.0])  # black and white pixels have no room for colour
    ab = rng.uniform(-spread, spread, (h, w, 2))
    got = chroma_to_rgb(gray, ab, n_threads=n_threads)
    want = chroma_to_rgb(gray, ab, use_reference=True)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)  # single-precision powers, see pyx/colour.pyx
    np.testing.assert_allclose(to_gray(got), gray, atol=1e-12)


@pytest.mark.kernel
@given(h=st.integers(1, 50), w=st.integers(1, 50), small_h=st.integers(1, 12), small_w=st.integers(1, 12),
       n_threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1))
@example(h=300, w=280, small_h=40, small_w=37, n_threads=2, seed=0)  # both threads at work at once
def test_guided_chroma_to_rgb_kernel_matches_its_twin_and_keeps_the_luma(h, w, small_h, small_w, n_threads, seed):
    rng = np.random.default_rng(seed)
    gray = rng.random((h, w))
    coefficients = rng.normal(0, 30, (small_h, small_w, 4))  # slope and offset of a*, then of b*
    got = guided_chroma_to_rgb(gray, coefficients, n_threads=n_threads)
    want = guided_chroma_to_rgb(gray, coefficients, use_reference=True)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-6)  # single-precision powers, see pyx/colour.pyx
    np.testing.assert_allclose(to_gray(got), gray, atol=1e-12)


def test_guided_chroma_is_slope_times_gray_plus_offset():
    gray = np.random.default_rng(9).random((30, 40))
    coefficients = np.broadcast_to([20.0, -5.0, -10.0, 8.0], (3, 4, 4))  # the same fit everywhere
    ab = np.stack([20 * gray - 5, -10 * gray + 8], axis=-1)
    np.testing.assert_allclose(guided_chroma_to_rgb(gray, coefficients), chroma_to_rgb(gray, ab), atol=1e-12)
    with pytest.raises(ValueError, match=r"must have shape \(h, w, 4\)"):
        guided_chroma_to_rgb(gray, np.zeros((3, 4, 2)))
