"""Efros-Leung synthesis and hole filling through the public API and the command line."""
import numpy as np
import pytest
from PIL import Image

import colorcore as cc

from conftest import run_module


def stripes(height=16, width=24, period=4):
    row = np.where(np.arange(width) % period < period // 2, 0, 255).astype(np.uint8)
    return np.tile(row, (height, 1))


def checkerboard(size=24, square=3):
    y, x = np.mgrid[:size, :size]
    return np.where((y // square + x // square) % 2, 255, 0).astype(np.uint8)


def windows_of(image, side):
    """Every side x side window of a 2-D image, as a set of byte strings."""
    h, w = image.shape[:2]
    return {image[y:y + side, x:x + side].tobytes() for y in range(h - side + 1) for x in range(w - side + 1)}


def test_same_seed_same_texture_and_other_seed_differs():
    sample = np.random.default_rng(0).integers(0, 256, (20, 20), dtype=np.uint8)
    a = cc.synthesize(sample, (16, 16), window=5, seed=3)
    b = cc.synthesize(sample, (16, 16), window=5, seed=3)
    c = cc.synthesize(sample, (16, 16), window=5, seed=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.uint8 and a.shape == (16, 16)


@pytest.mark.parametrize("sample, window", [(stripes(), 5), (checkerboard(), 7)])
def test_periodic_sample_gives_windows_that_occur_in_the_sample(sample, window):
    out = cc.synthesize(sample, (20, 20), window=window, seed=1)
    assert set(np.unique(out)) <= {0, 255}
    inner = 3  # compare small windows, which a faithful copy of a periodic texture must reproduce
    assert windows_of(out, inner) <= windows_of(sample, inner)


def test_rgb_float_synthesis_keeps_dtype_and_channels():
    sample = np.random.default_rng(2).random((18, 18, 3)).astype(np.float32)
    out = cc.synthesize(sample, 12, window=5, seed=0)
    assert out.shape == (12, 12, 3) and out.dtype == np.float32
    # Every output pixel is a pixel of the sample.
    pixels = {tuple(p) for p in sample.reshape(-1, 3)}
    assert all(tuple(p) in pixels for p in out.reshape(-1, 3))


def test_fill_holes_keeps_known_pixels_exactly():
    rng = np.random.default_rng(5)
    image = rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)
    mask = np.zeros((30, 30), bool)
    mask[12:18, 10:16] = True
    out = cc.fill_holes(image, mask, window=5, seed=0)
    np.testing.assert_array_equal(out[~mask], image[~mask])
    assert out.dtype == np.uint8 and out.shape == image.shape
    # The filled pixels are copied from the image's known region.
    known_pixels = {tuple(p) for p in image[~mask]}
    assert all(tuple(p) in known_pixels for p in out[mask])


def test_fill_of_a_constant_image_is_that_constant():
    image = np.full((25, 25), 0.375)
    mask = np.zeros((25, 25), bool)
    mask[8:16, 9:17] = True
    out = cc.fill_holes(image, mask, window=7, seed=0)
    np.testing.assert_array_equal(out, image)


def test_fill_holes_of_stripes_continues_the_stripes():
    image = stripes(24, 24)
    mask = np.zeros(image.shape, bool)
    mask[9:14, 9:14] = True
    out = cc.fill_holes(image, mask, window=7, seed=2)
    np.testing.assert_array_equal(out, image)


def test_fill_holes_from_a_separate_sample_and_pil_input():
    image = Image.fromarray(stripes(20, 20))
    mask = np.zeros((20, 20), bool)
    mask[5:9, 5:9] = True
    out = cc.fill_holes(image, mask, window=5, seed=0, sample=stripes(16, 16))
    np.testing.assert_array_equal(out, stripes(20, 20))


def test_no_hole_returns_the_input_unchanged():
    image = np.random.default_rng(0).random((10, 10))
    out = cc.fill_holes(image, np.zeros((10, 10)), window=15)
    np.testing.assert_array_equal(out, image)
    assert out is not image


def test_texture_uses_the_reference_twin_identically():
    sample = np.random.default_rng(9).integers(0, 256, (14, 14), dtype=np.uint8)
    fast = cc.synthesize(sample, (10, 10), window=5, seed=1)
    slow = cc.synthesize(sample, (10, 10), window=5, seed=1, use_reference=True)
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(mask=np.zeros((5, 5))), ValueError, "same size"),
    (dict(window=4), ValueError, "odd integer >= 3"),
    (dict(window=41), ValueError, "larger than the sample"),
    (dict(window=2.5), TypeError, "odd integer"),
    (dict(mask=np.ones((20, 20))), ValueError, "covers the whole image"),
])
def test_fill_holes_bad_input(kwargs, error, match):
    args = dict(image=np.zeros((20, 20)), mask=np.eye(20), window=5)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        cc.fill_holes(**args)


def test_fill_holes_without_a_fully_known_window():
    image = np.zeros((12, 12))
    mask = np.zeros((12, 12), bool)
    mask[::4, ::4] = True  # holes everywhere: no 7 x 7 window is free of them
    with pytest.raises(ValueError, match="no fully known 7x7 window"):
        cc.fill_holes(image, mask, window=7)


@pytest.mark.parametrize("sample, error, match", [
    (np.full((8, 8), 2.0), ValueError, r"outside \[0, 1\]"),
    (np.zeros((8, 8), np.int32), TypeError, "uint8 or float"),
    (np.zeros((8, 8, 5)), ValueError, "1 to 4 channels"),
    (np.full((8, 8), np.nan), ValueError, "NaN"),
])
def test_synthesize_bad_input(sample, error, match):
    with pytest.raises(error, match=match):
        cc.synthesize(sample, 8, window=3)


def test_inpaint_cli_round_trip(tmp_path):
    image = np.dstack([stripes(24, 24)] * 3)
    mask = np.zeros((24, 24), np.uint8)
    mask[8:13, 8:13] = 255
    Image.fromarray(image).save(tmp_path / "in.png")
    Image.fromarray(mask).save(tmp_path / "mask.png")
    done = run_module("colorcore.inpaint", tmp_path / "in.png", "--mask", tmp_path / "mask.png",
                      "-o", tmp_path / "out.png", "--window", 7, "--quiet")
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "out.png")), image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.png", "mask.png", "out.png"]  # no temporary left


def test_inpaint_cli_takes_the_hole_from_transparency(tmp_path):
    rgba = np.dstack([np.dstack([stripes(20, 20)] * 3), np.full((20, 20), 255, np.uint8)])
    rgba[6:10, 6:10, 3] = 0
    Image.fromarray(rgba).save(tmp_path / "in.png")
    done = run_module("colorcore.inpaint", tmp_path / "in.png", "-o", tmp_path / "out.png", "--window", 5, "--quiet")
    assert done.returncode == 0, done.stderr
    assert np.asarray(Image.open(tmp_path / "out.png")).shape == (20, 20, 3)


def test_synthesize_cli_round_trip(tmp_path):
    Image.fromarray(stripes()).save(tmp_path / "sample.png")
    done = run_module("colorcore", "synthesize", tmp_path / "sample.png", "--size", "30x20", "-o", tmp_path / "big.png",
                      "--window", 5, "--quiet")
    assert done.returncode == 0, done.stderr
    assert np.asarray(Image.open(tmp_path / "big.png")).shape == (20, 30)


@pytest.mark.parametrize("args, message", [
    (["missing.png", "--size", "8x8", "-o", "x.png"], "no such file"),
    (["sample.png", "--size", "8by8", "-o", "x.png"], "size must look like"),
    (["sample.png", "--size", "8x8", "-o", "x.png", "--window", "4"], "odd integer"),
    (["sample.png", "--size", "8x8", "-o", "x.txt"], "unknown image format"),
    (["sample.png", "--size", "8x8", "-o", "sample.png"], "would overwrite"),
    (["sample.png", "--size", "8x8"], "required"),
    (["broken.png", "--size", "8x8", "-o", "x.png"], "not a readable image"),
])
def test_cli_bad_usage_exits_2_with_one_line(tmp_path, args, message):
    Image.fromarray(stripes()).save(tmp_path / "sample.png")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    done = run_module("colorcore", "synthesize", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_inpaint_cli_stops_cleanly_on_ctrl_c(tmp_path):
    """Ctrl-C while a photo-sized hole is being filled: exit status 130, one line, no output file."""
    import signal
    import subprocess
    import sys

    from conftest import NEUTRAL_DIR

    rng = np.random.default_rng(0)
    Image.fromarray(np.tile(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), (24, 24, 1))).save(tmp_path / "in.png")
    mask = np.zeros((768, 768), np.uint8)
    mask[200:520, 250:570] = 255
    Image.fromarray(mask).save(tmp_path / "hole.png")
    # A shell that starts a job in the background makes it ignore Ctrl-C, and the child would inherit
    # that: give the child the default handling, as a terminal would.
    child = subprocess.Popen([sys.executable, "-m", "colorcore", "inpaint", str(tmp_path / "in.png"), "--mask",
                              str(tmp_path / "hole.png"), "-o", str(tmp_path / "out.png")],
                             stderr=subprocess.PIPE, cwd=NEUTRAL_DIR,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = b""
    while b"filling" not in seen:  # the progress bar: the fill has begun
        byte = child.stderr.read(1)
        assert byte, f"the command ended before filling: {seen!r}"
        seen += byte
    child.send_signal(signal.SIGINT)
    rest = child.stderr.read()
    assert child.wait() == 130
    last = rest.decode().replace("\r", "\n").strip().splitlines()[-1]
    assert last == "interrupted (Ctrl-C); no file was left half-written"
    assert b"Traceback" not in seen + rest
    assert not list(tmp_path.glob("out*"))


def test_inpaint_cli_needs_a_mask_or_transparency(tmp_path):
    Image.fromarray(stripes()).save(tmp_path / "in.png")
    done = run_module("colorcore.inpaint", tmp_path / "in.png", "-o", tmp_path / "out.png")
    assert done.returncode == 2 and "--mask" in done.stderr and not (tmp_path / "out.png").exists()


def test_the_fast_path_fills_photo_sized_holes_like_the_exact_one():
    """On a periodic texture both methods rebuild the hole exactly; known pixels never change."""
    tile = np.random.default_rng(4).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    image = np.tile(tile, (30, 30, 1))  # 180 x 180, period 6
    mask = np.zeros(image.shape[:2], bool)
    mask[60:124, 70:134] = True  # 64 x 64: three coarse levels
    for method in ("fast", "exact"):
        out = cc.fill_holes(image, mask, window=9, seed=0, method=method)
        np.testing.assert_array_equal(out, image, err_msg=method)


def test_fast_path_on_gray_and_rgb_photos_keeps_known_pixels_and_its_seed():
    from skimage import data

    for image in (data.camera()[100:300, 150:350], data.astronaut()[:200, :200]):
        mask = np.zeros(image.shape[:2], bool)
        mask[70:130, 80:140] = True
        out = cc.fill_holes(image, mask, seed=3, method="fast")
        np.testing.assert_array_equal(out[~mask], image[~mask])
        assert out.shape == image.shape and out.dtype == image.dtype
        np.testing.assert_array_equal(out, cc.fill_holes(image, mask, seed=3))  # auto picks the fast path here


def test_removing_an_object_leaves_the_wall_behind_it():
    """The space shuttle cut out of the astronaut photo (110 x 262): the fill is the pale wall around
    it, not pieces of the hair, helmet and flag elsewhere in the photo, which a greedy fill copied in
    (22% of the hole's upper part darker than half, where the wall is brighter than 0.7 almost
    everywhere)."""
    from skimage import color, data

    photo = data.astronaut()
    hole = np.zeros(photo.shape[:2], bool)
    hole[0:262, 352:462] = True
    filled = cc.fill_holes(photo, hole, seed=0)
    assert np.mean(color.rgb2gray(filled[0:240, 352:462]) < 0.5) < 0.03


@pytest.mark.parametrize("use_reference", [False, True])
def test_voting_keeps_a_fill_whose_windows_agree(use_reference):
    """Every window over the hole copies the texture one period on, so all votes agree with the fill;
    with the copies' values scrambled in the hole, the vote puts them back."""
    from colorcore.texture import fully_known_windows, vote

    image, hole, canvas, sources = periodic_fill()
    usable = fully_known_windows(hole, 5)
    for by_error in (False, True):
        voted = canvas.copy()
        vote(voted, hole, sources, usable, 5, use_reference, by_error)
        np.testing.assert_allclose(voted, image, atol=1e-6)
    scrambled = canvas.copy()
    scrambled[hole] = np.random.default_rng(0).permutation(canvas[hole])
    vote(scrambled, hole, sources, usable, 5, use_reference, by_error=False)
    np.testing.assert_allclose(scrambled, image, atol=1e-6)


def test_refinement_brings_a_poor_fill_closer_to_the_rest_of_the_photo():
    """refine() re-matches every hole pixel with its whole window: starting from pixels copied from random
    places, their windows end up much closer to the windows they name as sources."""
    from skimage import data
    from colorcore.texture import fully_known_windows, gaussian_window, refine

    window, half = 9, 4
    floats = data.camera()[100:228, 150:278, None] / 255.0
    hole = np.zeros(floats.shape[:2], bool)
    hole[40:80, 50:90] = True
    usable = fully_known_windows(hole, window)
    rng = np.random.default_rng(0)
    starts = np.argwhere(usable)[rng.integers(0, usable.sum(), int(hole.sum()))] + half
    sources = np.where(hole[:, :, None], -1, np.stack(np.indices(hole.shape), axis=-1)).astype(np.intp)
    sources[hole] = starts
    canvas = floats.copy()
    canvas[hole] = floats[starts[:, 0], starts[:, 1]]
    weights = gaussian_window(window, np.float64)

    def mean_error():
        padded = np.pad(canvas[:, :, 0], half)
        return np.mean([np.sum(weights * (padded[y:y + window, x:x + window]
                                          - padded[sy:sy + window, sx:sx + window]) ** 2)
                        for (y, x), (sy, sx) in zip(np.argwhere(hole), sources[hole])])

    before = mean_error()
    refine(canvas, hole, sources, usable, window, rng)
    assert mean_error() < 0.5 * before
    assert usable[tuple((sources[hole] - half).T)].all()  # every source may be copied...
    grid = floats.astype(np.float32)  # ...and gave its centre's value (the matcher works in float32)
    np.testing.assert_array_equal(canvas[hole], grid[sources[hole][:, 0], sources[hole][:, 1]])
    np.testing.assert_array_equal(canvas[~hole], grid[~hole])


def periodic_fill():
    """A periodic RGB texture, a hole in it, and a fill that copies each hole pixel from one period to the
    right of the hole: (image floats, hole, filled canvas, sources)."""
    tile = np.random.default_rng(5).random((6, 6, 3))
    image = np.tile(tile, (8, 10, 1))  # 48 x 60
    hole = np.zeros(image.shape[:2], bool)
    hole[12:30, 14:32] = True
    own = np.stack(np.indices(hole.shape), axis=-1)
    sources = np.where(hole[:, :, None], own + (0, 24), own).astype(np.intp)
    return image, hole, image[sources[..., 0], sources[..., 1]], sources


@pytest.mark.parametrize("use_reference", [False, True])
def test_blending_keeps_a_fill_that_continues_the_photo(use_reference):
    from colorcore.texture import blend_seams

    image, hole, canvas, sources = periodic_fill()
    blend_seams(canvas, hole, sources, use_reference)
    np.testing.assert_allclose(canvas, image, atol=2e-3)


@pytest.mark.parametrize("use_reference", [False, True])
def test_blending_spreads_a_brightness_step_at_the_border(use_reference):
    """The same copy, 0.2 too bright: the blend brings the hole back to the photo's level (the copied
    steps are right, only the border disagreed), where the fill alone is off by 0.2 everywhere."""
    from colorcore.texture import blend_seams

    image, hole, canvas, sources = periodic_fill()
    canvas[hole] += 0.2
    blend_seams(canvas, hole, sources, use_reference)
    assert np.abs(canvas - image)[hole].mean() < 0.02
    np.testing.assert_array_equal(canvas[~hole], image[~hole])


def test_unknown_fill_method():
    with pytest.raises(ValueError, match="unknown method 'magic'"):
        cc.fill_holes(stripes(20, 20), np.eye(20, dtype=bool), window=5, method="magic")
