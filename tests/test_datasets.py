"""CIFAR archives (written here in the official format), the restricted unpickler, downloads, folders, splits."""
import hashlib
import http.server
import pickle
import threading
from functools import partial

import numpy as np
import pytest
from PIL import Image

from colorcore import datasets
from cifar_fixtures import cifar100_members, write_cifar100_archive, write_cifar100_folder


@pytest.fixture
def archive(tmp_path):
    return write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")


def test_load_one_fine_class_from_the_archive(archive):
    images = datasets.load_cifar("cifar-100", ["maple_tree"], data=archive, download_missing=False)
    assert images.shape == (8, 32, 32, 3) and images.dtype == np.uint8  # 6 train + 2 test


def test_default_class_is_the_seeds_tree_class(archive):
    default = datasets.load_cifar("cifar-100", data=archive, download_missing=False)
    maple = datasets.load_cifar("cifar-100", "maple_tree", data=archive, download_missing=False)
    np.testing.assert_array_equal(default, maple)


def test_superclass_selects_all_its_fine_classes(archive):
    trees = datasets.load_cifar("cifar-100", ["trees"], data=archive, download_missing=False)
    assert len(trees) == 16


def test_pixels_come_out_in_image_layout(tmp_path):
    members = cifar100_members()
    batch = pickle.loads(members["train"])
    first = batch["data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    folder = write_cifar100_folder(tmp_path, members)
    images = datasets.load_cifar("cifar-100", ["maple_tree"], data=folder.parent, download_missing=False)
    np.testing.assert_array_equal(images[0], first)


def test_unknown_class_lists_the_valid_ones(archive):
    with pytest.raises(datasets.DatasetError, match="unknown cifar-100 class 'spruce'.*maple_tree.*trees"):
        datasets.load_cifar("cifar-100", ["spruce"], data=archive, download_missing=False)


class Exploit:
    def __reduce__(self):
        return (print, ("exploit ran",))


def test_restricted_unpickler_refuses_a_malicious_pickle(tmp_path, capsys):
    members = cifar100_members()
    members["train"] = pickle.dumps({"data": Exploit()}, protocol=2)
    archive = write_cifar100_archive(tmp_path / "evil.tar.gz", members)
    with pytest.raises(datasets.DatasetError, match=r"evil.tar.gz:cifar-100-python/train: .*refusing to load .*print"):
        datasets.load_cifar("cifar-100", ["maple_tree"], data=archive, download_missing=False)
    assert "exploit ran" not in capsys.readouterr().out


def test_truncated_archive_is_a_clear_error(archive, tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[:400])
    with pytest.raises(datasets.DatasetError, match="broken or truncated archive"):
        datasets.load_cifar("cifar-100", data=broken, download_missing=False)


def test_missing_archive_without_download_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORCORE_DATA", str(tmp_path / "cache"))
    with pytest.raises(datasets.DatasetError, match="not found in .*cache; pass --data PATH"):
        datasets.load_cifar("cifar-100", download_missing=False)


def test_cache_directory_is_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("COLORCORE_DATA", str(tmp_path))
    write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz")
    assert len(datasets.load_cifar("cifar-100", download_missing=False)) == 8


@pytest.fixture
def http_server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving tmp_path/www."""
    www = tmp_path / "www"
    www.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_download_with_good_checksum_lands_in_the_cache(http_server, tmp_path, monkeypatch):
    www, base = http_server
    served = write_cifar100_archive(www / "cifar-100-python.tar.gz")
    cache = tmp_path / "cache"
    monkeypatch.setenv("COLORCORE_DATA", str(cache))
    monkeypatch.setitem(datasets.CIFAR["cifar-100"], "md5", hashlib.md5(served.read_bytes()).hexdigest())
    images = datasets.load_cifar("cifar-100", progress=False, url=f"{base}/cifar-100-python.tar.gz")
    assert len(images) == 8
    assert sorted(p.name for p in cache.iterdir()) == ["cifar-100-python.tar.gz"]


def test_download_with_bad_checksum_leaves_nothing(http_server, tmp_path, monkeypatch):
    www, base = http_server
    write_cifar100_archive(www / "cifar-100-python.tar.gz")
    cache = tmp_path / "cache"
    monkeypatch.setenv("COLORCORE_DATA", str(cache))
    with pytest.raises(datasets.DatasetError, match="failed its MD5 check; place cifar-100-python.tar.gz in"):
        datasets.load_cifar("cifar-100", progress=False, url=f"{base}/cifar-100-python.tar.gz")
    assert list(cache.iterdir()) == []


def test_download_failure_says_how_to_place_the_archive(http_server, tmp_path, monkeypatch):
    _, base = http_server
    monkeypatch.setenv("COLORCORE_DATA", str(tmp_path / "cache"))
    with pytest.raises(datasets.DatasetError, match="could not download .*place cifar-100-python.tar.gz in"):
        datasets.load_cifar("cifar-100", progress=False, url=f"{base}/missing.tar.gz")
    assert list((tmp_path / "cache").iterdir()) == []


def test_image_folder_resizes_skips_gray_and_warns_on_corrupt_files(tmp_path):
    (tmp_path / "a").mkdir()
    colour = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    Image.fromarray(colour).save(tmp_path / "a" / "colour.png")
    Image.fromarray(np.full((20, 20), 128, np.uint8)).convert("RGB").save(tmp_path / "gray.jpg")
    (tmp_path / "a" / "corrupt.jpg").write_bytes(b"not a jpeg")
    with pytest.warns(UserWarning, match="corrupt.jpg"):
        images = datasets.load_image_folder(tmp_path, size=16, progress=False)
    assert images.shape == (2, 16, 16, 3)
    with pytest.warns(UserWarning):
        assert len(datasets.load_image_folder(tmp_path, size=16, skip_gray=True, progress=False)) == 1


def test_empty_image_folder_is_an_error(tmp_path):
    with pytest.raises(datasets.DatasetError, match="no usable images"):
        datasets.load_image_folder(tmp_path, progress=False)


def test_split_is_the_seeds_and_reproducible():
    train, val, test = datasets.split(600, seed=3)
    assert (len(train), len(val), len(test)) == (400, 100, 100)
    assert len(set(train) | set(val) | set(test)) == 600
    again = datasets.split(600, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((train, val, test), again))


def test_sample_photo_tiles_are_offline_colour_tiles():
    tiles = datasets.sample_photo_tiles(32)
    assert tiles.shape[1:] == (32, 32, 3) and len(tiles) > 100


def test_read_image_scales_16_bit_gray_and_follows_exif_orientation(tmp_path):
    from PIL import Image

    from colorcore.io import read_image

    ramp = (np.arange(32 * 16).reshape(32, 16) * 128).astype(np.uint16)  # 0 .. 65408
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    got = read_image(tmp_path / "deep.png")
    assert got.dtype == np.uint8 and got.shape == (32, 16)
    np.testing.assert_array_equal(got, np.rint(ramp / 257).astype(np.uint8))  # scaled, not clipped
    assert read_image(tmp_path / "deep.png", "RGB").shape == (32, 16, 3)
    photo = np.zeros((10, 20, 3), np.uint8)
    photo[0, 0] = 255  # a white corner, top left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.fromarray(photo).save(tmp_path / "portrait.jpg", exif=exif, quality=100)
    shown = read_image(tmp_path / "portrait.jpg")
    assert shown.shape == (20, 10, 3) and shown[0, -1].min() > 200  # upright: the corner is now top right


def test_read_image_warns_about_animated_images(tmp_path):
    from PIL import Image

    from colorcore.io import read_image

    frames = [Image.fromarray(np.full((6, 6), v, np.uint8)) for v in (10, 200)]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with pytest.warns(UserWarning, match="2 frames; only the first is used"):
        assert read_image(tmp_path / "anim.gif").shape[:2] == (6, 6)


@pytest.mark.parametrize("mode, value, want", [("CMYK", (0, 255, 255, 0), (255, 0, 0)), ("P", None, None),
                                               ("YCbCr", (76, 85, 255), (254, 0, 0))])
def test_pil_images_in_other_modes_are_converted_not_read_raw(mode, value, want):
    from PIL import Image

    from colorcore.images import as_float_image

    if mode == "P":
        image = Image.fromarray(np.full((4, 4, 3), (0, 128, 255), np.uint8)).convert("P", palette=Image.Palette.ADAPTIVE)
        want = (0, 128, 255)
    else:
        image = Image.new(mode, (4, 4), value)
    floats, _, _ = as_float_image(image)
    np.testing.assert_allclose(floats[0, 0] * 255, want, atol=2)


@pytest.mark.parametrize("change, message", [
    (lambda b: dict(b, data=b["data"].astype(np.int64)), "must be uint8 rows"),
    (lambda b: dict(b, data=b["data"].astype(np.float64)), "must be uint8 rows"),
    (lambda b: dict(b, data=b["data"][:, :100]), "must be uint8 rows"),
    (lambda b: dict(b, fine_labels=b["fine_labels"][:-3]), "images but"),
])
def test_malformed_cifar_batches_are_refused_not_cast(tmp_path, change, message):
    members = cifar100_members()
    members["train"] = pickle.dumps(change(pickle.loads(members["train"])), protocol=2)
    archive = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz", members)
    with pytest.raises(datasets.DatasetError, match=message):
        datasets.load_cifar("cifar-100", ["trees"], archive, download_missing=False, progress=False)


def test_an_oversized_member_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A member larger than any official one (a zip bomb's payload) is refused from its header alone,
    without reading it: here the limit is lowered to 1 MiB and the member holds 8 MiB."""
    import tarfile

    monkeypatch.setattr(datasets, "MAX_MEMBER_BYTES", 2**20)
    members = cifar100_members()
    members["train"] = bytes(8 * 2**20)
    path = write_cifar100_archive(tmp_path / "cifar-100-python.tar.gz", members)
    read, extract = [], tarfile.TarFile.extractfile

    def recording_extract(self, member):
        read.append(getattr(member, "name", member))
        return extract(self, member)
    monkeypatch.setattr(tarfile.TarFile, "extractfile", recording_extract)
    with pytest.raises(datasets.DatasetError, match="more than any CIFAR file holds"):
        datasets.load_cifar("cifar-100", data=path, download_missing=False, progress=False)
    assert not any(name.endswith("train") for name in read)
    folder = write_cifar100_folder(tmp_path / "extracted", members)
    with pytest.raises(datasets.DatasetError, match="more than any CIFAR file holds"):
        datasets.read_cifar_members(folder, "cifar-100", ("train",))
