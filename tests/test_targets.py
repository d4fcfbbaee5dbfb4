"""Targets (what the network predicts), guided upsampling, augmentation and the photo split."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from skimage import color

from colorcore import datasets
from colorcore.augment import Augment
from colorcore.targets import ChromaBins, LabTarget, RGBTarget, gamut_cells, target_from_spec
from colorcore.upsample import bilinear_resize, guided_upsample, resize, working_shape


def test_gamut_cells_hold_displayable_colours():
    centres = gamut_cells(10)
    assert 200 < len(centres) < 330  # Zhang et al. have 313 cells of side 10 on ImageNet's gamut
    assert (np.abs(centres) <= 130).all() and [0, 0] in centres.tolist()


def test_soft_encoding_sums_to_one_on_the_nearest_cells():
    bins = ChromaBins(10)
    rgb = np.random.default_rng(0).random((500, 3))
    T = bins.encode(rgb)
    assert T.shape == (500, bins.n_outputs) and T.dtype == np.float32
    np.testing.assert_allclose(T.sum(axis=1), 1, rtol=1e-6)
    assert ((T > 0).sum(axis=1) == ChromaBins.NEIGHBOURS).all()
    ab = color.rgb2lab(rgb[:, None, :])[:, 0, 1:]
    nearest = ((ab[:, None] - bins.centres[None]) ** 2).sum(-1).argmin(1)
    assert (T.argmax(axis=1) == nearest).all()


def test_vividness_zero_reads_the_mean_and_one_favours_rare_colours():
    bins = ChromaBins(10)
    rgb = np.random.default_rng(1).random((2000, 3)) * [0.3, 0.3, 0.3] + 0.35  # mostly dull colours
    bins.fit_prior(bins.encode(rgb))
    p = np.random.default_rng(2).dirichlet(np.ones(bins.n_outputs), size=50)
    logits = np.log(p) + 3.0  # softmax(logits) = p
    np.testing.assert_allclose(bins.chroma(logits, (5, 10), 0.0).reshape(-1, 2), p @ bins.centres, rtol=1e-4, atol=1e-3)
    dull, vivid = (np.hypot(*bins.chroma(logits, (50,), v).T).mean() for v in (0.0, 1.0))
    assert vivid > dull



@pytest.mark.kernel
@given(n=st.integers(0, 300), step=st.sampled_from([10, 16]), rebalance=st.sampled_from([0.0, 0.5, 2.0]),
       temperature=st.sampled_from([1.0, 0.6, 0.2]), n_threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**32 - 1))
def test_decoding_kernel_matches_its_numpy_twin(n, step, rebalance, temperature, n_threads, seed):
    bins = ChromaBins(step)
    rng = np.random.default_rng(seed)
    bins.fit_prior(rng.dirichlet(np.ones(bins.n_outputs), size=20))
    logits = rng.normal(0, rng.choice([0.1, 3.0, 30.0]), (n, bins.n_outputs)).astype(np.float32)
    got = bins.decode(logits, rebalance, temperature, n_threads=n_threads)
    want = bins.decode(logits, rebalance, temperature, use_reference=True)
    # Single precision: a logit holds float32's relative precision, and where two cells nearly tie the
    # mean moves by that error, over the temperature, times how far apart the cells are (the observed
    # error stayed under 0.13 of this tolerance over 20,000 draws, and above 2e-3 alone in a few).
    rounding = np.finfo(np.float32).eps * np.abs(logits).max(initial=0) / temperature * np.ptp(bins.centres)
    np.testing.assert_allclose(got, want, atol=2e-3 + rounding)

def test_targets_by_name_and_their_errors():
    assert isinstance(target_from_spec("rgb"), RGBTarget) and isinstance(target_from_spec("lab"), LabTarget)
    bins = target_from_spec({"name": "ab-bins", "step": 16})
    assert target_from_spec(bins.spec()).spec() == bins.spec()
    with pytest.raises(ValueError, match="unknown target 'hsv'"):
        target_from_spec("hsv")
    with pytest.raises(ValueError, match="step must be an integer from 4 to 40"):
        ChromaBins(2)
    with pytest.raises(ValueError, match="does not take the settings"):
        target_from_spec({"name": "lab", "step": 3})


def test_guided_upsampling_follows_the_full_size_gray():
    rng = np.random.default_rng(3)
    gray = rng.random((80, 120))
    small = resize(gray, 20, 30, smooth=True)
    # Chroma that is a linear function of gray is recovered at full size almost exactly.
    values = np.stack([40 * small - 10, -25 * small + 5], axis=-1)
    up = guided_upsample(small, values, gray, eps=1e-6)
    np.testing.assert_allclose(up, np.stack([40 * gray - 10, -25 * gray + 5], axis=-1), atol=0.05)
    constant = guided_upsample(small, np.full((20, 30, 2), 7.0), gray)
    np.testing.assert_allclose(constant, 7.0)



@pytest.mark.parametrize("small, big", [((20, 30), (80, 120)), ((7, 5), (64, 33)), ((1, 4), (3, 9)), ((9, 9), (9, 9))])
def test_bilinear_resize_agrees_with_pillow_when_enlarging(small, big):
    image = np.random.default_rng(8).random(small)
    pillow = Image.fromarray(image.astype(np.float32), mode="F").resize(big[::-1], Image.Resampling.BILINEAR)
    np.testing.assert_allclose(bilinear_resize(image, *big), np.asarray(pillow), atol=1e-6)

@pytest.mark.parametrize("shape, size, want", [((3000, 4000), 160, (120, 160)), ((32, 32), 160, (32, 32)),
                                               ((1, 900), 160, (1, 160)), ((500, 300), None, (500, 300))])
def test_working_shape_only_shrinks(shape, size, want):
    assert working_shape(*shape, size) == want


def test_augment_is_seeded_and_stays_in_range():
    photo = np.random.default_rng(4).random((150, 120, 3))
    augment = Augment()
    a, b = augment(photo, np.random.default_rng(7)), augment(photo, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    sizes = {augment(photo, np.random.default_rng(s)).shape for s in range(20)}
    assert len(sizes) > 10 and all(24 <= min(s[:2]) and s[0] <= 150 and s[1] <= 120 for s in sizes)
    tiny = augment(np.random.default_rng(5).random((8, 8, 3)), np.random.default_rng(0))
    assert tiny.min() >= 0 and tiny.max() <= 1 and min(tiny.shape[:2]) >= 5


def test_photo_split_is_stable_and_disjoint(tmp_path):
    from PIL import Image

    for i in range(60):
        Image.fromarray(np.full((4, 4, 3), i, np.uint8)).save(tmp_path / f"{i}.png")
    first = datasets.photo_split(tmp_path)
    assert first == datasets.photo_split(tmp_path)
    names = [set(p.name for p in part) for part in first]
    assert sum(map(len, names)) == 60 and not (names[0] & names[1] or names[0] & names[2] or names[1] & names[2])
    assert names[1] and names[2]
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "new.png")
    again = [set(p.name for p in part) for part in datasets.photo_split(tmp_path)]
    assert all(old <= new for old, new in zip(names, again))  # adding a photo moves no other photo
