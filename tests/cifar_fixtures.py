"""Tiny CIFAR archives in the official python format, written by the tests themselves."""
import io
import pickle
import tarfile

import numpy as np

FINE = ["maple_tree", "oak_tree", "apple", "bicycle"]
COARSE = ["trees", "fruit_and_vegetables", "vehicles_1"]
COARSE_OF_FINE = [0, 0, 1, 2]


def cifar100_members(per_class_train=6, per_class_test=2, seed=0):
    """{member name: pickled bytes} like cifar-100-python/{train,test,meta}, with coloured random images."""
    rng = np.random.default_rng(seed)

    def batch(per_class):
        fine = np.repeat(np.arange(len(FINE)), per_class)
        images = np.zeros((len(fine), 32, 32, 3), np.uint8)
        for i, label in enumerate(fine):
            base = rng.integers(0, 256, 3)  # a class-dependent tint over a random texture
            images[i] = np.clip(base + rng.integers(-40, 40, (32, 32, 1)) * (label + 1) // 2, 0, 255)
        data = images.transpose(0, 3, 1, 2).reshape(len(fine), 3072)
        return {"data": data, "fine_labels": fine.tolist(), "coarse_labels": [COARSE_OF_FINE[f] for f in fine],
                "filenames": [f"img{i}.png" for i in range(len(fine))], "batch_label": "training batch"}

    return {"train": pickle.dumps(batch(per_class_train), protocol=2),
            "test": pickle.dumps(batch(per_class_test), protocol=2),
            "meta": pickle.dumps({"fine_label_names": FINE, "coarse_label_names": COARSE}, protocol=2)}


def write_cifar100_archive(path, members=None):
    members = members or cifar100_members()
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def write_cifar100_folder(root, members=None):
    folder = root / "cifar-100-python"
    folder.mkdir(parents=True)
    for name, data in (members or cifar100_members()).items():
        (folder / name).write_bytes(data)
    return folder
