"""ml.train's warm start (fine-tuning) and replay sample. Slow: trains for real."""

import numpy as np
import pytest

from ml.config import TrainConfig
from ml.train import train
from ml.training_data import Source, _replay_sample, training_data
from tests.canvases import MNIST_DIR
from tests.helpers import REPO

# A ten-class model of the default network, as these plain TrainConfig()s train (the shipped
# model has an eleventh class: the service's fine-tunes inherit it, tests/recognizer).
TEN_CLASS_MODEL = REPO / "models" / "digitsite-v3"


def test_replay_is_a_seeded_sample_of_the_whole_training_split():
    config = TrainConfig(warm_start=True, replay_size=500, seed=3)
    images, labels, _, info = training_data(config, MNIST_DIR, None)
    again, _, _, _ = training_data(config, MNIST_DIR, None)
    assert len(labels) == 500 and info["mnist_replay_count"] == 500 and info["mnist_train_count"] == 500
    assert np.array_equal(images, again)  # same seed, same sample
    assert np.bincount(labels, minlength=10).min() > 25  # every digit, not the first 500 images' mix only
    other, _, _, _ = training_data(TrainConfig(warm_start=True, replay_size=500, seed=4), MNIST_DIR, None)
    assert not np.array_equal(images, other)


def test_the_replay_samples_every_earlier_source_in_proportion():
    """A fine-tune of a model trained on MNIST, real writers and non-digits replays replay_size
    examples of all three, each in proportion to its size, not the whole of the last two."""
    arrays = {name: (np.arange(size * 4, dtype=np.float32).reshape(size, 2, 2), np.full(size, digit, np.uint8))
              for name, size, digit in (("mnist", 6000, 1), ("pendigits", 1500, 2), ("non_digit", 420, 10))}
    sources = {name: Source.of_arrays(*pair) for name, pair in arrays.items()}
    info = {}
    sampled = _replay_sample(sources, 1000, seed=0, info=info)
    counts = {name: len(labels) for name, (_, labels) in sampled.items()}
    assert counts == {"mnist": 758, "pendigits": 189, "non_digit": 53} and sum(counts.values()) == 1000
    assert info["pendigits_replay_count"] == 189 and info["non_digit_train_count"] == 53
    for name, (images, labels) in sampled.items():
        rows = images[:, 0, 0] / 4  # each example's row in its source: a sorted sample without repeats
        assert (np.diff(rows) > 0).all() and set(labels) == {arrays[name][1][0]}
    again = _replay_sample(sources, 1000, seed=0, info={})
    assert all(np.array_equal(sampled[name][0], again[name][0]) for name in sources)
    everything = _replay_sample(sources, 10_000, seed=0, info={})  # less than asked: all of it
    assert all(everything[name][0] is arrays[name][0] for name in arrays)


def test_replay_size_is_only_for_fine_tuning_and_warm_start_needs_a_model(tmp_path):
    with pytest.raises(ValueError, match="replay_size is for fine-tuning"):
        TrainConfig(replay_size=100)
    with pytest.raises(ValueError, match="needs the initial model"):
        train(TrainConfig(warm_start=True), mnist_dir=MNIST_DIR, output_dir=tmp_path, name="x")


@pytest.mark.slow
def test_warm_start_begins_from_the_given_weights(tmp_path):
    # 300 images for one epoch: from random weights that is far below 90 % on MNIST test
    # (2,000 give about 93 %, tests/ml/test_train.py); from the shipped model's it stays above 99 %.
    config = TrainConfig(warm_start=True, replay_size=300, epochs=1, learning_rate=3e-4, batch_size=32)
    metadata = train(config, mnist_dir=MNIST_DIR, output_dir=tmp_path, name="tuned", initial_model=TEN_CLASS_MODEL / "model.keras")
    assert metadata["metrics"]["mnist_test"]["accuracy"] > 0.99
    assert metadata["initial_model"]["artifact"] == "digitsite-v3" and len(metadata["initial_model"]["keras_sha256"]) == 64
    assert metadata["config"]["warm_start"] and metadata["data"]["mnist_replay_count"] == 300


def test_an_initial_model_of_another_network_is_refused(tmp_path):
    with pytest.raises(ValueError, match="does not fit"):
        train(TrainConfig(architecture="cnn-bn", warm_start=True, replay_size=300, epochs=1), mnist_dir=MNIST_DIR,
              output_dir=tmp_path, name="x", initial_model=TEN_CLASS_MODEL / "model.keras")


def test_replayed_real_writers_and_non_digits_are_drawn_alone_and_equal_the_whole_sets_rows(tmp_path):
    """A fine-tune draws only the examples its replay sampled: the same pixels as the cached sets."""
    from ml.pen_trajectories import load_pendigits
    from ml.real_writers import non_digit_rows, non_digit_set, real_writer_training_rows, real_writer_training_set
    from tests.canvases import PENDIGITS_DIR

    few = load_pendigits(PENDIGITS_DIR).subset(range(12))
    whole, _, _ = real_writer_training_set(few, renders=2, seed=3, cache_dir=tmp_path)
    rows = np.array([1, 4, 5, 22])
    assert np.array_equal(real_writer_training_rows(few, rows, renders=2, seed=3), whole[rows])
    plain, _, _ = real_writer_training_set(few, renders=2, seed=3, jitter=False, workers=1)
    assert np.array_equal(real_writer_training_rows(few, rows, renders=2, seed=3, jitter=False), plain[rows])
    assert not np.array_equal(plain[rows], whole[rows])

    non_digits, _ = non_digit_set(30, seed=3, cache_dir=tmp_path)
    assert np.array_equal(non_digit_rows([0, 7, 29], seed=3), non_digits[[0, 7, 29]])
