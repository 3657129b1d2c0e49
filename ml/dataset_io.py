"""Labelled 28x28 datasets on disk: MNIST's own idx.gz format, or a single .npz."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path
from typing import Callable

import numpy as np

from ml.data import DatasetError, read_idx


def to_uint8(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) float in [0, 1] -> uint8 0-255, as MNIST stores it."""
    return np.clip(np.asarray(images, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def from_uint8(images: np.ndarray) -> np.ndarray:
    """uint8 0-255 -> float32 in [0, 1]: what a cached set gives back (`cached_image_set`)."""
    return np.asarray(images).astype(np.float32) / 255


def as_cached(images: np.ndarray) -> np.ndarray:
    """`images` rounded as a cached set stores them (`cached_image_set`): a set drawn in part equals
    the same rows of its cached whole."""
    return from_uint8(to_uint8(images))


def write_npz(path: Path, images: np.ndarray, labels: np.ndarray, **extra: np.ndarray) -> None:
    np.savez_compressed(path, images=to_uint8(images), labels=np.asarray(labels, dtype=np.uint8), **extra)


def cached_image_set(path: Path | None, build: Callable[[], dict[str, np.ndarray]], *,
                     expect: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Arrays kept in the .npz `path`, a cache (None: keep nothing): read back when the file is
    there and its arrays equal `expect`, else `build()`-ed and stored atomically (a concurrent
    reader never sees half a file). `images` are stored as uint8 like MNIST and come back as
    float32 in [0, 1] either way, rounded alike, so a fresh set equals its cached copy."""
    if path is not None and path.exists():
        with np.load(path, allow_pickle=False) as data:
            if all(np.array_equal(data[key], value) for key, value in (expect or {}).items()):
                arrays = {key: data[key] for key in data.files}
                arrays["images"] = from_uint8(arrays["images"])
                return arrays
    arrays = {**build()}
    arrays["images"] = to_uint8(arrays["images"])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
        np.savez_compressed(partial, **arrays)
        partial.replace(path)
    arrays["images"] = from_uint8(arrays["images"])
    return arrays


def write_idx(folder: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> list[Path]:
    """`prefix`-images-idx3-ubyte.gz and `prefix`-labels-idx1-ubyte.gz, readable by any MNIST loader."""
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = to_uint8(images), np.asarray(labels, dtype=np.uint8)
    image_path = folder / f"{prefix}-images-idx3-ubyte.gz"
    label_path = folder / f"{prefix}-labels-idx1-ubyte.gz"
    with gzip.open(image_path, "wb") as handle:
        handle.write(struct.pack(">BBBBIII", 0, 0, 8, 3, len(images), 28, 28) + images.tobytes())
    with gzip.open(label_path, "wb") as handle:
        handle.write(struct.pack(">BBBBI", 0, 0, 8, 1, len(labels)) + labels.tobytes())
    return [image_path, label_path]


def read_labelled(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """An .npz with `images` (N, 28, 28) and `labels` (N,), or an idx images file next to its
    labels file -> float32 images in [0, 1] and uint8 labels."""
    path = Path(path)
    if path.suffix == ".npz":
        with np.load(path) as data:
            if "images" not in data or "labels" not in data:
                raise DatasetError(f"{path} needs arrays 'images' and 'labels'")
            images, labels = data["images"], data["labels"]
    else:
        images = read_idx(path)
        labels = read_idx(Path(str(path).replace("images-idx3", "labels-idx1")))
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) != len(labels):
        raise DatasetError(f"{path}: expected (N, 28, 28) images and N labels, got {images.shape} and {len(labels)}")
    if images.dtype != np.uint8:
        images = to_uint8(images if images.max() <= 1.0 else images / 255.0)
    labels = np.asarray(labels)
    if labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
        raise DatasetError(f"{path}: labels must be digits 0-9")
    return images.astype(np.float32) / 255.0, labels.astype(np.uint8)
