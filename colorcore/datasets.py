"""Training images: CIFAR-10/100 archives, folders of images, and the offline sample photos.

Every loader returns uint8 RGB images (N, size, size, 3). CIFAR pickles are read straight from the
archive through a restricted unpickler; downloads are checked against the official MD5 and renamed into
place only when complete.
"""
import hashlib
import io as _io
import os
import pickle
import tarfile
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .io import IMAGE_SUFFIXES, ImageReadError, atomic_path, read_image
from .progress import progress_bar

# The largest official member is CIFAR-100's train batch, about 155 MB.
MAX_MEMBER_BYTES = 200 * 2**20

CIFAR = {
    "cifar-100": dict(archive="cifar-100-python.tar.gz", folder="cifar-100-python",
                      url="https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                      md5="eb9058c3a382ffc7106e4002c42a8d85", batches=("train", "test"), meta="meta",
                      labels="fine_labels", names="fine_label_names"),
    "cifar-10": dict(archive="cifar-10-python.tar.gz", folder="cifar-10-batches-py",
                     url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                     md5="c58f30108f718f92721af3b95e74349a",
                     batches=tuple(f"data_batch_{i}" for i in range(1, 6)) + ("test_batch",), meta="batches.meta",
                     labels="labels", names="label_names"),
}
ASSIGNMENT_CLASS = "maple_tree"  # one of CIFAR-100's tree classes, as the original assignment trained on
SAMPLE_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry")
GRAY_SPREAD = 2.0  # mean max(R,G,B) - min(R,G,B) on 0..255 below this: a gray photo stored as RGB


class DatasetError(ValueError):
    """Data that cannot be found, fetched or read; the message says what to do."""


# --- safe unpickling ------------------------------------------------------------------------------------

class RestrictedUnpickler(pickle.Unpickler):
    """Admits dicts, lists, tuples, str/bytes, numbers and numpy arrays; refuses every other class."""

    ALLOWED = {
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("_codecs", "encode"),  # how protocol-2 pickles written by Python 3 spell bytes; returns bytes only
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def safe_unpickle(data, source):
    """Unpickle CIFAR bytes (Python 2 pickles: latin1 for numpy, bytes keys decoded); errors name `source`."""
    try:
        obj = RestrictedUnpickler(_io.BytesIO(data), encoding="latin1").load()
    except Exception as err:  # a malicious or corrupt pickle may raise almost anything
        raise DatasetError(f"{source}: not a CIFAR batch file ({err})") from None
    if not isinstance(obj, dict):
        raise DatasetError(f"{source}: not a CIFAR batch file (a {type(obj).__name__}, not a dict)")
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in obj.items()}


# --- finding and fetching archives ----------------------------------------------------------------------

def cache_dir():
    """$COLORCORE_DATA, else the user cache directory (~/.cache/colorcore or $XDG_CACHE_HOME/colorcore)."""
    if os.environ.get("COLORCORE_DATA"):
        return Path(os.environ["COLORCORE_DATA"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "colorcore"


def md5sum(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(url, destination, md5, progress=True, timeout=30):
    """Fetch url to destination via a temporary file; verify the MD5 before renaming it into place."""
    destination = Path(destination)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, atomic_path(destination) as tmp:
            total = int(response.headers.get("Content-Length") or 0) or None
            with open(tmp, "wb") as out, progress_bar(total=total, unit="B", unit_scale=True, disable=not progress,
                                                      desc=f"downloading {destination.name}") as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
            if md5sum(tmp) != md5:
                raise DatasetError(f"download of {url} failed its MD5 check; place {destination.name} in "
                                   f"{destination.parent} by hand (checksum {md5})")
    except (urllib.error.URLError, OSError) as err:
        raise DatasetError(f"could not download {url} ({getattr(err, 'reason', err)}); download it elsewhere and "
                           f"place {destination.name} in {destination.parent}, or pass --data PATH") from None
    return destination


def locate_cifar(name, data=None, download_missing=True, progress=True, url=None):
    """Path of a CIFAR archive or extracted folder: `data`, then $COLORCORE_DATA, then the cache directory;
    otherwise downloaded into the cache (from `url`, default the official one) with an MD5 check."""
    spec = CIFAR[name]
    candidates = []
    if data is not None:
        data = Path(data).expanduser()
        candidates += [data, data / spec["archive"], data / spec["folder"]]
    root = cache_dir()
    candidates += [root / spec["archive"], root / spec["folder"]]
    for path in candidates:
        if path.is_file() and path.name.endswith((".tar.gz", ".tgz", ".tar")):
            return path
        if path.is_dir() and (path / spec["meta"]).is_file():
            return path
    if data is not None and not download_missing:
        raise DatasetError(f"no {spec['archive']} or {spec['folder']}/ at {data}")
    if not download_missing:
        raise DatasetError(f"{spec['archive']} not found in {root}; pass --data PATH")
    root.mkdir(parents=True, exist_ok=True)
    return download(url or spec["url"], root / spec["archive"], spec["md5"], progress)


def check_member_size(size, where):
    """Refuse a CIFAR member larger than any official one before reading it (a zip bomb's payload)."""
    if size > MAX_MEMBER_BYTES:
        raise DatasetError(f"{where}: {size:,} bytes, more than any CIFAR file holds "
                           f"({MAX_MEMBER_BYTES:,} at most); not a CIFAR archive")


def read_cifar_members(path, name, members):
    """{member: unpickled dict} for the given members of a CIFAR archive or extracted folder."""
    spec = CIFAR[name]
    path = Path(path)
    out = {}
    if path.is_dir():
        for member in members:
            file = path / member
            if not file.is_file():
                raise DatasetError(f"{file}: missing from the CIFAR folder")
            check_member_size(file.stat().st_size, file)
            out[member] = safe_unpickle(file.read_bytes(), file)
        return out
    try:
        with tarfile.open(path, "r:*") as tar:
            wanted = {f"{spec['folder']}/{member}": member for member in members}
            # Headers in archive order, each size checked before its payload is read or skipped over (no
            # official member is that large, so an oversized one ends the read at once).
            for info in tar:
                check_member_size(info.size, f"{path}:{info.name}")
                if info.name in wanted and info.isfile():
                    handle = tar.extractfile(info)  # read in memory: nothing is written to disk
                    out[wanted.pop(info.name)] = safe_unpickle(handle.read(), f"{path}:{info.name}")
                if not wanted:
                    break
            if wanted:
                raise DatasetError(f"{path}: {next(iter(wanted))} missing from the archive; is it {spec['archive']}?")
    except (tarfile.TarError, EOFError, OSError) as err:
        raise DatasetError(f"{path}: broken or truncated archive ({err}); delete it and download it again") from None
    return out


def cifar_class_names(name, meta):
    """(fine names, coarse names or None) from a CIFAR meta dict."""
    fine = [str(n) for n in meta[CIFAR[name]["names"]]]
    coarse = [str(n) for n in meta["coarse_label_names"]] if "coarse_label_names" in meta else None
    return fine, coarse


def load_cifar(name="cifar-100", classes=None, data=None, download_missing=True, progress=True, url=None):
    """All images (train and test batches together) of the chosen classes, as (N, 32, 32, 3) uint8.

    classes: fine class names, or CIFAR-100 superclass names ("trees"); None means the original
    assignment's class for CIFAR-100 and every class for CIFAR-10. Unknown names raise DatasetError
    listing the valid ones.
    """
    if name not in CIFAR:
        raise DatasetError(f"unknown dataset {name!r}; choose one of {', '.join(CIFAR)}")
    spec = CIFAR[name]
    path = locate_cifar(name, data, download_missing, progress, url)
    batches = read_cifar_members(path, name, (spec["meta"],) + spec["batches"])
    fine, coarse = cifar_class_names(name, batches[spec["meta"]])
    if classes is None:
        classes = [ASSIGNMENT_CLASS] if name == "cifar-100" else list(fine)
    classes = [classes] if isinstance(classes, str) else list(classes)
    wanted_fine, wanted_coarse = set(), set()
    for c in classes:
        if c in fine:
            wanted_fine.add(fine.index(c))
        elif coarse is not None and c in coarse:
            wanted_coarse.add(coarse.index(c))
        else:
            valid = sorted(fine) + (sorted(coarse) if coarse else [])
            raise DatasetError(f"unknown {name} class {c!r}; valid names: {', '.join(valid)}")
    images = []
    for member in spec["batches"]:
        batch = batches[member]
        try:
            labels = np.asarray(batch[spec["labels"]])
            data = np.asarray(batch["data"])
            # The official batches hold uint8 pixel rows of 3 x 32 x 32 and one label per row; anything
            # else would be silently wrapped or cut by a cast or give an IndexError below.
            if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
                raise ValueError(f"pixel data must be uint8 rows of 3072 values, got {data.dtype} {data.shape}")
            if labels.shape != (len(data),):
                raise ValueError(f"{len(data)} images but {labels.size} labels")
            chosen = np.isin(labels, list(wanted_fine))
            if wanted_coarse:
                coarse_labels = np.asarray(batch["coarse_labels"])
                if coarse_labels.shape != (len(data),):
                    raise ValueError(f"{len(data)} images but {coarse_labels.size} coarse labels")
                chosen |= np.isin(coarse_labels, list(wanted_coarse))
            data_rows = data[chosen]
        except (KeyError, ValueError, TypeError) as err:
            raise DatasetError(f"{path}:{member}: not a CIFAR batch ({err})") from None
        images.append(data_rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return np.ascontiguousarray(np.concatenate(images))


# --- other sources --------------------------------------------------------------------------------------

def fit_square(pixels, size):
    """Centre-crop to a square and resize to size x size (Lanczos)."""
    return np.asarray(ImageOps.fit(Image.fromarray(pixels), (size, size), Image.Resampling.LANCZOS))


def is_gray(rgb):
    """True for a photo whose colour spread (mean of max - min over channels, 0..255) is below 2."""
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.max(initial=0) <= 1.0 and rgb.dtype.kind == "f":
        rgb = rgb * 255
    return float((rgb.max(axis=-1) - rgb.min(axis=-1)).mean()) < GRAY_SPREAD


def image_files(folder):
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder of images")
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def load_image_folder(folder, size=32, skip_gray=False, progress=True, files=None):
    """Every image under folder (recursively; or the given files), centre-cropped and resized to size x
    size RGB uint8 as one stack; size None keeps each photo as it is and returns a list.

    Unreadable files are skipped with a warning; a folder with no usable image is an error.
    """
    files = image_files(folder) if files is None else files
    images, skipped = [], 0
    for path in progress_bar(files, desc=f"reading {folder}", unit="img", disable=not progress, leave=False):
        try:
            pixels = read_image(path, mode="RGB")
        except ImageReadError as err:
            warnings.warn(f"skipped {err}", stacklevel=2)
            continue
        if skip_gray and is_gray(pixels):
            skipped += 1
            continue
        images.append(pixels if size is None else fit_square(pixels, size))
    if not images:
        raise DatasetError(f"{folder}: no usable images (looked for {', '.join(IMAGE_SUFFIXES)})")
    return images if size is None else np.stack(images)


def photo_split(folder, val_percent=10, test_percent=15):
    """(train, val, test) file lists of an image folder, the same on every machine and stable when photos
    are added: a folder with train/ and test/ subfolders keeps its test/ as the test split; otherwise a
    photo's split follows a hash of its path inside the folder. Validation photos come out of train."""
    folder = Path(folder)
    if (folder / "train").is_dir() and (folder / "test").is_dir():
        pool, test = image_files(folder / "train"), image_files(folder / "test")
        test_percent = 0
    else:
        pool, test = image_files(folder), []
    train, val = [], []
    for path in pool:
        bucket = int(hashlib.sha256(path.relative_to(folder).as_posix().encode()).hexdigest()[:8], 16) % 100
        (test if bucket < test_percent else val if bucket < test_percent + val_percent else train).append(path)
    return train, val, test


def sample_photo_tiles(size=32, scale=4):
    """Tiles of the colour photographs scikit-image ships (offline), each downscaled by `scale` first."""
    import skimage.data

    tiles = []
    for name in SAMPLE_PHOTOS:
        photo = Image.fromarray(getattr(skimage.data, name)())
        small = np.asarray(photo.resize((photo.width // scale, photo.height // scale), Image.Resampling.LANCZOS))
        for y in range(0, small.shape[0] - size + 1, size):
            for x in range(0, small.shape[1] - size + 1, size):
                tiles.append(small[y:y + size, x:x + size])
    return np.stack(tiles)


def split(n, seed=0, fractions=(2 / 3, 1 / 6)):
    """Seeded index split into train / validation / test: 2/3, 1/6, 1/6 (400/100/100 for 600 images)."""
    order = np.random.default_rng(seed).permutation(n)
    n_train = int(round(n * fractions[0]))
    n_val = int(round(n * fractions[1]))
    return order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]
