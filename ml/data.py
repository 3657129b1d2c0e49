"""MNIST in its original idx(.gz) files, verified against the published md5 sums."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.digest import file_digest

# The published checksums of the original gzip files.
MNIST_FILES = {
    "train-images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train-labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test-images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
    "test-labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
}


class DatasetError(Exception):
    """The dataset is missing, corrupt or not in the expected format."""


def dataset_file_checked(path: Path, expected_md5: str, *, variable: str, verify: bool = True) -> Path:
    """`path` if it exists and (with `verify`) has its published md5 sum; DatasetError naming the
    environment `variable` that points at its folder otherwise. Never downloads."""
    if not path.exists():
        raise DatasetError(f"{path} is missing; set {variable} to the folder holding it")
    if verify:
        actual = file_digest(path, "md5")
        if actual != expected_md5:
            raise DatasetError(f"{path} has md5 {actual}, expected {expected_md5}: corrupt copy")
    return path


@dataclass(frozen=True)
class Dataset:
    """Images as float32 (N, 28, 28) in [0, 1], white ink on black; labels as uint8 (N,)."""

    images: np.ndarray
    labels: np.ndarray
    checksums: dict[str, str]

    def __len__(self) -> int:
        return len(self.labels)


def read_idx(path: Path) -> np.ndarray:
    """Read an idx file (gzip'd or plain) into an array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DatasetError(f"{path.name}: not an unsigned-byte idx file")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) - header != int(np.prod(shape)):
        raise DatasetError(f"{path.name}: size does not match its header {shape}")
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape)


def load_mnist(mnist_dir: Path | str, split: str, *, verify: bool = True) -> Dataset:
    """Load the "train" or "test" split from `mnist_dir`. Never downloads."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    mnist_dir = Path(mnist_dir)
    arrays, checksums = {}, {}
    for part in ("images", "labels"):
        filename, expected_md5 = MNIST_FILES[f"{split}-{part}"]
        path = dataset_file_checked(mnist_dir / filename, expected_md5, variable="MNIST_DIR", verify=verify)
        checksums[filename] = expected_md5
        arrays[part] = read_idx(path)
    images, labels = arrays["images"], arrays["labels"]
    if images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DatasetError(f"unexpected MNIST shapes {images.shape} / {labels.shape}")
    return Dataset(images=images.astype(np.float32) / 255.0, labels=labels.copy(), checksums=checksums)
