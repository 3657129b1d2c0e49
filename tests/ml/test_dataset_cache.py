"""The rendered sets' cache (ml.dataset_io.cached_image_set): a set read back equals the set
built, a changed identity is rebuilt, and nothing is built twice."""

import numpy as np
import pytest

import ml.real_writers as real_writers
from ml.dataset_io import cached_image_set
from ml.pen_trajectories import load_pendigits
from tests.canvases import PENDIGITS_DIR


def test_built_once_then_read_back_equal(tmp_path):
    built = []

    def build():
        built.append(1)
        return {"images": np.random.default_rng(0).random((3, 28, 28)), "labels": np.array([1, 2, 3], np.uint8)}

    path = tmp_path / "set.npz"
    fresh = cached_image_set(path, build)
    again = cached_image_set(path, build)
    assert len(built) == 1 and fresh["images"].dtype == np.float32
    assert np.array_equal(fresh["images"], again["images"]) and np.array_equal(fresh["labels"], again["labels"])
    cached_image_set(path, build, expect={"labels": np.array([1, 2, 4], np.uint8)})  # another identity
    assert len(built) == 2
    assert not list(tmp_path.glob("*.partial.npz"))
    assert len(cached_image_set(None, build)["labels"]) == 3 and len(built) == 3  # no cache: built every time


def test_non_digits_and_real_writers_come_back_from_the_cache_unchanged(tmp_path, monkeypatch):
    pendigits = load_pendigits(PENDIGITS_DIR).subset(range(12))
    images, kinds = real_writers.non_digit_set(14, seed=3, cache_dir=tmp_path, workers=1)
    drawn = real_writers.real_writer_eval_set(pendigits, cache_dir=tmp_path, workers=1)

    def never(*args):
        raise AssertionError("rebuilt although cached")

    monkeypatch.setattr(real_writers, "_non_digit_chunk", never)
    monkeypatch.setattr(real_writers, "_eval_chunk", never)
    cached_images, cached_kinds = real_writers.non_digit_set(14, seed=3, cache_dir=tmp_path, workers=1)
    assert np.array_equal(images, cached_images) and cached_kinds.tolist() == kinds.tolist()
    assert cached_kinds.dtype == object
    for fresh, cached in zip(drawn, real_writers.real_writer_eval_set(pendigits, cache_dir=tmp_path, workers=1)):
        assert np.array_equal(fresh, cached)
    with pytest.raises(AssertionError, match="rebuilt"):
        real_writers.real_writer_eval_set(pendigits.subset(range(6)), cache_dir=tmp_path, workers=1)
