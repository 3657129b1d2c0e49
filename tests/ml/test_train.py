"""ml.train on a small slice: artifact contents, determinism, cancellation. Slow: trains for real."""

import dataclasses
import json

import numpy as np

import pytest

from ml.artifact import verify_artifact
from ml.data import load_mnist
from ml.predict import Predictor
from ml.config import TrainConfig
from ml.train import TrainingCancelled, train
from tests.canvases import MNIST_DIR

pytestmark = pytest.mark.slow

TINY = TrainConfig(epochs=1, batch_size=32, train_limit=2000, seed=7)  # ~60 steps: about 93% on MNIST test


def test_tiny_training_writes_a_complete_deterministic_artifact(tmp_path):
    events = []
    first = train(TINY, mnist_dir=MNIST_DIR, output_dir=tmp_path, name="first", progress=events.append)
    second = train(TINY, mnist_dir=MNIST_DIR, output_dir=tmp_path, name="second")

    assert verify_artifact(tmp_path / "first")["sha256"] == first["sha256"]
    assert first["sha256"] == second["sha256"]  # same config and seed -> same weights
    stored = json.loads((tmp_path / "first" / "metadata.json").read_text())
    assert stored["config"] == TINY.to_dict() and stored["architecture"] == TINY.architecture
    assert stored["data"]["mnist_train_count"] == 2000
    assert set(stored["data"]["mnist_train_checksums"]) == {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}
    test_metrics = stored["metrics"]["mnist_test"]
    assert test_metrics["count"] == 10000 and 0.85 < test_metrics["accuracy"] <= 1
    assert test_metrics["keras_max_abs_difference"] <= 1e-4
    assert len(stored["history"]) == 1 and "loss" in stored["history"][0]

    stages = [event.stage for event in events]
    assert stages[0] == "loading" and stages[-1] == "saving" and "training" in stages
    percents = [event.percent for event in events if event.stage == "training"]
    assert percents == sorted(percents) and percents[-1] == 100.0
    assert Predictor.load(tmp_path / "first").probabilities(np.zeros((1, 28, 28))).shape == (1, 10)


def test_with_an_ema_the_artifact_holds_the_averaged_weights(tmp_path):
    # Keras's average starts at the first step's weights; at momentum 0.9999 the 60 steps of TINY
    # barely move it, so the export reads MNIST near chance, where the last step's weights read ~93%.
    config = dataclasses.replace(TINY, ema_momentum=0.9999)
    metadata = train(config, mnist_dir=MNIST_DIR, output_dir=tmp_path, name="averaged")
    assert metadata["config"]["ema_momentum"] == 0.9999
    assert metadata["metrics"]["mnist_test"]["accuracy"] < 0.5
    assert metadata["history"][0]["accuracy"] > 0.6  # while the steps themselves learned


def test_cancelled_training_leaves_no_artifact(tmp_path):
    def cancel_on_first_batch(progress):
        if progress.stage == "training":
            raise TrainingCancelled

    with pytest.raises(TrainingCancelled):
        train(TINY, mnist_dir=MNIST_DIR, output_dir=tmp_path, name="cancelled", progress=cancel_on_first_batch)
    assert list(tmp_path.iterdir()) == []


def test_config_is_validated():
    with pytest.raises(ValueError, match="architecture"):
        TrainConfig(architecture="resnet-9000")
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="unknown"):
        TrainConfig.from_dict({"epochs": 1, "colour": "blue"})


def _ink_share_within(drawn, digits, *, pixels: int) -> float:
    """The share of `drawn`'s ink that lies within `pixels` of `digits`' strokes."""
    reach = range(-pixels, pixels + 1)
    grown = np.maximum.reduce([np.roll(np.roll(digits, dr, 1), dc, 2) for dr in reach for dc in reach])
    return float((drawn * (grown > 0.2)).sum() / drawn.sum())


def test_pen_redraws_follow_the_digit_with_hairline_to_marker_widths():
    pytest.importorskip("tensorflow")
    from ml.canvas_style import skeletons_2x
    from ml.model import redraw_with_pens

    digits = load_mnist(MNIST_DIR, "test").images[:64]
    skeletons = skeletons_2x(digits)
    redrawn = np.asarray(redraw_with_pens(digits[..., None], skeletons[..., None], fraction=1.0, seed=1))[..., 0]
    # The ink stays on the digit: nearly all of it within a pixel of the original strokes.
    assert _ink_share_within(redrawn, digits, pixels=1) > 0.97
    # Pens from hairline to marker: ink per unit of skeleton varies several-fold.
    ink_per_length = redrawn.sum(axis=(1, 2)) / skeletons.sum(axis=(1, 2))
    assert ink_per_length.max() > 3 * ink_per_length.min()
    untouched = np.asarray(redraw_with_pens(digits[..., None], skeletons[..., None], fraction=0.0, seed=1))[..., 0]
    assert np.array_equal(untouched, digits)


def test_elastic_distortion_bends_half_a_batch_near_its_strokes_and_only_in_training():
    tf = pytest.importorskip("tensorflow")
    from ml.model import random_elastic_layer

    digits = load_mnist(MNIST_DIR, "test").images[:256, ..., None]
    layer = random_elastic_layer(4.0, seed=1)
    # As inside fit: a graph whose batch size is unknown (Keras's own elastic transform bends only
    # the first image there and returns copies of it).
    in_training = tf.function(lambda batch: layer(batch, training=True),
                              input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)])
    bent = np.concatenate([np.asarray(in_training(digits)) for _ in range(4)])
    before = np.concatenate([digits] * 4)
    changed = np.abs(bent - before).max(axis=(1, 2, 3)) > 0.05
    # About half of each batch is bent; the rest passes through untouched.
    assert 0.35 < changed.mean() < 0.65
    assert np.array_equal(bent[~changed], before[~changed])
    # A bend moves strokes by about a pixel: the ink stays within two pixels of the digit.
    assert _ink_share_within(bent, before, pixels=2) > 0.95
    assert np.array_equal(np.asarray(layer(digits, training=False)), digits)


def test_real_writer_options_are_validated_and_round_trip_as_json():
    config = TrainConfig.from_dict({"pendigits_writers": [3, 1, 2, 3], "non_digits": 100})
    assert config.pendigits_writers == (1, 2, 3) and config.classes == 11
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert TrainConfig().classes == 10
    for bad in ({"pendigits_writers": [0]}, {"pendigits_writers": [31]}, {"pendigits_writers": "all"},
                {"pendigits_renders": 0}, {"non_digits": -1}):
        with pytest.raises(ValueError):
            TrainConfig.from_dict(bad)


def test_training_with_real_writers_scores_only_the_writers_it_never_saw(tmp_path):
    from ml.calibration import VERDICTS
    from tests.canvases import PENDIGITS_DIR

    config = TrainConfig(epochs=1, batch_size=64, train_limit=500, seed=3, pendigits_writers=(1, 2, 3),
                         pendigits_renders=1, non_digits=280, init_from="models/digitsite-v3", learning_rate=1e-3)
    metadata = train(config, mnist_dir=MNIST_DIR, output_dir=tmp_path, name="real", pendigits_dir=PENDIGITS_DIR,
                     cache_dir=tmp_path / "cache", real_writer_limit=600)
    assert metadata["labels"][-1] == "not_a_digit" and metadata["data"]["pendigits_writers_seen"] == [1, 2, 3]
    real = metadata["metrics"]["real_writer"]
    assert not set(real["writers"]) & {1, 2, 3} and real["count"] > 0
    assert real["writer_worst_accuracy"] <= real["writer_mean_accuracy"] <= 1
    assert set(real["verdicts"]) == set(VERDICTS) and "ece_after" in real
    assert metadata["serving"]["temperature"] > 0 and 0 < metadata["serving"]["digit_threshold"] < 1
    predictor = Predictor.load(tmp_path / "real")
    assert predictor.classes == 11 and predictor.serving["temperature"] == metadata["serving"]["temperature"]
    answer = predictor.predict(np.zeros((28, 28), dtype=np.float32))
    assert len(answer.probabilities) == 10 and answer.verdict in VERDICTS
