import gzip
import shutil

import numpy as np
import pytest

from ml.data import DatasetError, load_mnist
from tests.canvases import MNIST_DIR


def test_mnist_loads_with_the_published_shapes_and_label_counts():
    train, test = load_mnist(MNIST_DIR, "train"), load_mnist(MNIST_DIR, "test")
    assert train.images.shape == (60000, 28, 28) and test.images.shape == (10000, 28, 28)
    assert train.images.dtype == np.float32 and 0 <= train.images.min() and train.images.max() == 1
    assert np.bincount(test.labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_corrupt_copy_is_refused(tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(MNIST_DIR / name, tmp_path / name)
    labels = gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels[:-1] + b"\x03"))
    with pytest.raises(DatasetError, match="md5"):
        load_mnist(tmp_path, "test")


def test_missing_folder_says_where_to_point(tmp_path):
    with pytest.raises(DatasetError, match="MNIST_DIR"):
        load_mnist(tmp_path, "test")
