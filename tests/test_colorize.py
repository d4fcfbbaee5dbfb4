"""Colorizers: files, any image size, the shipped model, the colorize CLI."""
import numpy as np
import pytest
from PIL import Image

import colorcore as cc
from colorcore.colorizer import Colorizer
from colorcore.extractors import FeaturePipeline
from colorcore.features import to_gray
from colorcore.io import ModelFileError, save_model
from colorcore.training import TrainConfig

from conftest import run_module


def trained(target="lab", radius=1, features=None, working_size=None):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (6, 12, 12, 3), dtype=np.uint8)
    colorizer = Colorizer.new(hidden=(8,), features=features or f"window:radius={radius}", target=target,
                              working_size=working_size, seed=1)
    colorizer.fit(images[:4], images[4:], TrainConfig(max_epochs=2, rounds=1), progress=False)
    return colorizer


NEW = dict(features="pyramid:levels=3+thumbnail:size=4+position", working_size=24)


@pytest.mark.parametrize("target, settings", [("rgb", {}), ("lab", {}), ("ab-bins", NEW), ("lab", NEW)])
def test_save_load_round_trip(tmp_path, target, settings):
    colorizer = trained(target, **settings)
    colorizer.save(tmp_path / "m.npz")
    loaded = Colorizer.load(tmp_path / "m.npz")
    assert loaded.features == colorizer.features and loaded.target.spec() == colorizer.target.spec()
    assert loaded.working_size == colorizer.working_size
    gray = np.random.default_rng(1).random((39, 30))
    np.testing.assert_array_equal(loaded.predict(gray), colorizer.predict(gray))


def test_seed_release_model_files_load_as_the_seed_preset(tmp_path):
    """Files from before the feature pipeline (radius/padding/target header, no format) still load."""
    network = cc.MLP([9, 4, 3], seed=0)
    save_model(tmp_path / "old.npz", network.params, {"version": 1, "layer_sizes": [9, 4, 3], "hidden": "sigmoid",
               "output": "sigmoid", "dtype": "float32", "radius": 1, "padding": "reflect", "target": "rgb",
               "gray_weights": [0.299, 0.587, 0.114]})
    loaded = Colorizer.load(tmp_path / "old.npz")
    assert loaded.features.specs() == [{"name": "window", "radius": 1, "padding": "reflect"}]
    assert loaded.target.name == "rgb" and loaded.working_size is None
    gray = np.random.default_rng(0).random((5, 6))
    inputs = FeaturePipeline("window:radius=1,padding=reflect").extract(gray)
    want = np.clip(network.predict(inputs), 0, 1).reshape(5, 6, 3)
    np.testing.assert_allclose(loaded.predict_gray(gray), want, rtol=1e-6)


@pytest.mark.parametrize("change, message", [
    ({"version": 7}, "a newer colorcore may read it"),
    ({"features": [{"name": "sift"}]}, "unknown feature extractor"),
    ({"target": {"name": "ab-bins", "step": 10, "prior": [1, 2]}}, "prior must be"),
    ({"gray_weights": [10, 10, 10]}, "sum to 1"),
    ({"working_size": -3}, "working size"),
    ({"layer_sizes": [193, 100_000_000, 261]}, "which need"),  # refused before any allocation
])
def test_inconsistent_headers_are_refused_in_one_line(tmp_path, change, message):
    colorizer = trained("ab-bins", **NEW)
    header = dict(colorizer.header(), **change)
    save_model(tmp_path / "m.npz", colorizer.network.params, header)
    with pytest.raises(ValueError, match=message):
        Colorizer.load(tmp_path / "m.npz")


@pytest.mark.parametrize("shape", [(32, 32), (24, 24), (200, 90), (5, 300), (1, 1)])
def test_scale_free_prediction_keeps_size_and_lightness(shape):
    """Photos larger than the working size go through the small copy and guided upsampling; the
    output always has the input's size and luma."""
    colorizer = trained("ab-bins", **NEW)
    gray = np.random.default_rng(5).random(shape)
    out = colorizer.predict_gray(gray)
    assert out.shape == shape + (3,) and np.isfinite(out).all()
    np.testing.assert_allclose(to_gray(out), gray, atol=1e-9)


def test_vividness_ends_and_errors():
    colorizer = trained("ab-bins", **NEW)
    gray = np.random.default_rng(6).random((30, 30))
    safe, vivid = colorizer.predict_gray(gray, 0.0), colorizer.predict_gray(gray, 1.0)
    spread = lambda rgb: float(np.mean(rgb.max(-1) - rgb.min(-1)))
    assert spread(vivid) > spread(safe)
    for bad in (-0.1, 1.5, "loud", float("nan")):
        with pytest.raises(ValueError, match="vividness must be a number from 0 to 1"):
            colorizer.predict_gray(gray, bad)
    with pytest.raises(ValueError, match="target ab-bins"):
        trained("lab").predict_gray(gray, 0.5)


@pytest.mark.parametrize("shape", [(1, 1), (3, 200), (130, 5), (64, 64), (65, 67, 3)])
def test_any_size_keeps_its_size_and_lab_keeps_the_gray(shape):
    colorizer = trained("lab", radius=2)
    image = np.random.default_rng(2).random(shape)
    out = colorizer.predict(image)
    assert out.shape == shape[:2] + (3,)
    gray_in = to_gray(image) if image.ndim == 3 else image
    np.testing.assert_allclose(to_gray(out), gray_in, atol=1e-9)


def test_band_processing_matches_whole_image_processing():
    colorizer = trained("rgb", radius=2)
    gray = np.random.default_rng(3).random((150, 40))  # several bands of rows
    whole = colorizer.network.predict(colorizer.inputs(gray)).reshape(150, 40, 3)
    np.testing.assert_allclose(colorizer.predict_gray(gray), np.clip(whole, 0, 1), rtol=1e-6)


def test_uint8_and_pil_inputs_give_uint8():
    colorizer = trained()
    pixels = np.random.default_rng(4).integers(0, 256, (10, 10), dtype=np.uint8)
    out = colorizer.predict(Image.fromarray(pixels))
    assert out.dtype == np.uint8 and out.shape == (10, 10, 3)


def test_shipped_model_colorizes():
    gray = np.linspace(0, 1, 48 * 64).reshape(48, 64)
    out = cc.colorize(gray)
    assert out.shape == (48, 64, 3) and np.isfinite(out).all()
    info = cc.colorcore_model_info()
    assert info["target"]["name"] == "ab-bins" and info["working_size"] and 0 <= info["vividness"] <= 1


@pytest.mark.parametrize("writer, message", [
    (lambda p: p.write_bytes(b"hello"), "not a colorcore model"),
    (lambda p: np.savez(p, weights=np.zeros(3)), "not a colorcore model"),
    (lambda p: np.savez(p, params=np.array([object()], dtype=object), header=np.array("{}")), "not a colorcore model"),
    (lambda p: p.write_bytes(b""), "unreadable or truncated"),
])
def test_bad_model_files_are_refused(tmp_path, writer, message):
    path = tmp_path / "bad.npz"
    writer(path)
    with pytest.raises(ModelFileError, match=message):
        Colorizer.load(path)


def test_truncated_and_non_finite_models_are_refused(tmp_path):
    colorizer = trained()
    colorizer.save(tmp_path / "good.npz")
    data = (tmp_path / "good.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated"):
        Colorizer.load(tmp_path / "cut.npz")
    colorizer.network.params[0] = np.nan
    colorizer.save(tmp_path / "nan.npz")
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        Colorizer.load(tmp_path / "nan.npz")


def test_colorize_cli_many_files_skips_a_corrupt_one(tmp_path):
    colorizer = trained()
    colorizer.save(tmp_path / "m.npz")
    for name, size in (("a.png", (20, 30)), ("b.jpg", (7, 9))):
        Image.fromarray(np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8)).save(tmp_path / name)
    (tmp_path / "c.png").write_bytes(b"broken")
    done = run_module("colorcore", "colorize", tmp_path / "a.png", tmp_path / "b.jpg", tmp_path / "c.png",
                      "-o", tmp_path / "out", "--model", tmp_path / "m.npz", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "c.png" in done.stderr and "Traceback" not in done.stderr
    assert np.asarray(Image.open(tmp_path / "out" / "a.png")).shape == (20, 30, 3)
    assert np.asarray(Image.open(tmp_path / "out" / "b.png")).shape == (7, 9, 3)
    assert not (tmp_path / "out" / "c.png").exists()


@pytest.mark.parametrize("args, message", [
    (["broken.png", "-o", "out.png"], "not a readable image"),
    (["missing.png", "-o", "out.png"], "no such file"),
    (["ok.png", "-o", "out.png", "--model", "ok.png"], "not a colorcore model"),
    (["ok.png"], "required"),
    (["ok.png", "-o", "ok.png"], "would overwrite"),
    (["ok.png", "-o", "out.png", "--vividness", "2"], "vividness must be a number from 0 to 1"),
    (["ok.png", "-o", "out.png", "--vividness", "x"], "invalid float value"),
    (["ok.png", "ok.png", "-o", "out.png"], "names one image, but there are 2 inputs"),
    (["ok.png", "-o", "out.pgm"], ".pgm holds gray images only"),
])
def test_colorize_cli_errors_exit_2(tmp_path, args, message):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "ok.png")
    (tmp_path / "broken.png").write_bytes(b"broken")
    done = run_module("colorcore", "colorize", *args, cwd=tmp_path)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.pgm").exists()


def test_real_photos_smoke(shared_data):
    """The shipped model on real photos it never trained on: it must beat the gray image on average."""
    from colorcore import datasets, report
    photos = datasets.load_image_folder(shared_data / "cifar10-jpg" / "test" / "frog", progress=False)[:40] / 255.0
    predicted = np.stack([cc.colorize(photo, vividness=0) for photo in photos])
    model = report.quality(predicted, photos)
    gray = report.quality(report.gray_baseline(photos), photos)
    assert model["psnr"] > gray["psnr"]


def test_training_pairs_do_not_depend_on_the_thread_count(monkeypatch):
    from colorcore import colorizer as module
    from colorcore.augment import Augment

    rng = np.random.default_rng(8)
    photos = [rng.integers(0, 256, (20 + i % 5, 30 - i % 7, 3), dtype=np.uint8) for i in range(150)]
    model = Colorizer.new(hidden=(4,), features="pyramid:levels=2+thumbnail:size=2+position", target="ab-bins",
                          working_size=24)
    pairs = []
    for threads in (1, 2):
        monkeypatch.setattr(module, "threads_for_now", lambda: threads)
        pairs.append(model.training_pairs(photos, 30, Augment(), seed=3, copies=2))
    (X1, T1), (X2, T2) = pairs
    assert X1.shape == (150 * 2 * 30, model.features.width) and T1.shape == (len(X1), model.target.n_outputs)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(T1, T2)


def test_the_whole_copy_is_the_photo_itself_at_most_mirrored():
    rng = np.random.default_rng(4)
    photos = [rng.integers(0, 256, (6, 7, 3), dtype=np.uint8) for _ in range(12)]
    model = Colorizer.new(hidden=(4,), features="window:radius=1", target="rgb")

    def blank(rgb, rng):  # an augmentation that marks its copies
        return np.zeros_like(rgb)

    X, T = model.training_pairs(photos, None, blank, seed=0, copies=3, whole_copy=True)
    copies = T.reshape(len(photos), 3, 6, 7, 3)
    mirrored = []
    for photo, (whole, *augmented) in zip(photos, copies):
        colours = photo / 255
        mirrored.append(np.allclose(whole, colours[:, ::-1]))
        assert mirrored[-1] or np.allclose(whole, colours)
        assert not np.any(augmented)
    assert any(mirrored) and not all(mirrored)  # mirrored about half the time
    _, T_plain = model.training_pairs(photos, None, blank, seed=0, copies=3)
    assert not T_plain.any()  # without it every copy is augmented


def test_vividness_calibration_picks_a_safe_vivid_end_and_a_default():
    from colorcore import vividness

    model = trained("ab-bins", **NEW)
    rng = np.random.default_rng(9)
    photos = {"small": [rng.integers(0, 256, (12, 12, 3), dtype=np.uint8) for _ in range(6)],
              "large": [rng.integers(0, 256, (40, 30, 3), dtype=np.uint8) for _ in range(3)]}
    table = vividness.calibrate(model, photos)
    end = (model.target.vivid_rebalance, model.target.vivid_temperature)
    assert end == (table["vivid_end"]["rebalance"], table["vivid_end"]["temperature"])
    assert end[0] in vividness.REBALANCE_GRID and end[1] in vividness.TEMPERATURE_GRID
    safe = [e for e in table["ends"] if all(e[n]["margin_db"] >= vividness.SAFETY_DB for n in photos)]
    chosen = next(e for e in table["ends"] if (e["rebalance"], e["temperature"]) == end)
    if safe:  # the most colourful of the safe readings
        worst_colour = lambda e: min(e[n]["colourfulness"] for n in photos)
        assert chosen in safe and worst_colour(chosen) == max(map(worst_colour, safe))
    else:  # this tiny model on noise photos: the reading closest to the gray image's PSNR
        worst_margin = lambda e: min(e[n]["margin_db"] for n in photos)
        assert worst_margin(chosen) == max(map(worst_margin, table["ends"]))
    assert model.vividness == table["default_vividness"] and 0 <= model.vividness <= 1
    assert [s["vividness"] for s in table["scale"]][:3] == [0.0, 0.1, 0.2]
    with pytest.raises(ValueError, match="needs an ab-bins model"):
        vividness.calibrate(trained("lab"), photos)


def test_default_vividness_is_free_colour_unless_that_looks_washed_out():
    """Step 2 of the calibration on made-up readings: the largest vividness within 0.1 dB of vividness 0;
    if that leaves a set under half the originals' colour, the least vivid reading that reaches half
    everywhere at a cost of at most 0.25 dB; if none does, still the free one."""
    from colorcore.vividness import default_vividness

    def scale(margins, colours):
        return [{"vividness": v / 10, "a": {"margin_db": m, "colourfulness": c},
                 "b": {"margin_db": 1.0, "colourfulness": 0.9}} for v, (m, c) in enumerate(zip(margins, colours))]

    margins = [1.0, 0.98, 0.95, 0.91, 0.87, 0.8, 0.7]
    assert default_vividness(scale(margins, [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8]), ["a", "b"]) == 0.3
    assert default_vividness(scale(margins, [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]), ["a", "b"]) == 0.4
    assert default_vividness(scale(margins, [0.3, 0.32, 0.34, 0.36, 0.38, 0.4, 0.7]), ["a", "b"]) == 0.3


def test_colorize_cli_never_replaces_an_existing_file_unasked(tmp_path):
    Image.fromarray(np.zeros((4, 4), np.uint8)).save(tmp_path / "holiday.jpg")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "holiday.png").write_bytes(b"the user's own file")
    done = run_module("colorcore", "colorize", tmp_path / "holiday.jpg", "-o", tmp_path / "out", "--quiet")
    assert done.returncode == 2 and "already exists" in done.stderr and "--overwrite" in done.stderr
    assert (tmp_path / "out" / "holiday.png").read_bytes() == b"the user's own file"
    done = run_module("colorcore", "colorize", tmp_path / "holiday.jpg", "-o", tmp_path / "out", "--overwrite", "--quiet")
    assert done.returncode == 0, done.stderr
    assert np.asarray(Image.open(tmp_path / "out" / "holiday.png")).shape == (4, 4, 3)


@pytest.mark.parametrize("photos, message", [
    (np.full((2, 6, 6, 3), 200.0), "outside \\[0, 1\\]"),
    (np.full((2, 6, 6, 3), 300, np.uint16), "must be uint8 or float"),
])
def test_fit_refuses_photos_that_colorize_would_refuse(photos, message):
    model = Colorizer.new(hidden=(4,))
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(photos, photos, TrainConfig(max_epochs=1, rounds=1), progress=False)


def test_zip_bombs_and_deep_headers_are_refused_before_unpacking(tmp_path, monkeypatch):
    import zipfile

    from colorcore import io

    monkeypatch.setattr(io, "MAX_PARAMS_BYTES", 1 << 20)  # the same check as at 1 GiB, with a smaller bomb
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("params.npy", bytes(4 << 20))  # 4 MiB of zeros, a few KB on disk
        archive.writestr("header.npy", b"x")
    assert bomb.stat().st_size < 20_000
    with pytest.raises(ModelFileError, match="would unpack to 4,194,304 bytes"):
        Colorizer.load(bomb)
    np.savez(tmp_path / "deep.npz", params=np.zeros(3, np.float32), header=np.array("[" * 100_000 + "]" * 100_000))
    with pytest.raises(ModelFileError, match="nested too deeply"):
        Colorizer.load(tmp_path / "deep.npz")


def test_memory_for_a_large_scan_is_bounded_per_pixel():
    """A 12-megapixel scan once took about 90 bytes per pixel of working memory; now under 60."""
    import tracemalloc

    image = np.random.default_rng(0).integers(0, 256, (1500, 2000, 3), dtype=np.uint8)
    cc.colorize(image[:64, :64])  # the model is loaded outside the measurement
    tracemalloc.start()
    out = cc.colorize(image)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert out.shape == image.shape
    assert peak < 60 * image.shape[0] * image.shape[1]
