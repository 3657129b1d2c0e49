"""ml.train on a small slice: artifact contents, determinism, cancellation. Slow: trains for real."""

import json

import numpy as np

import pytest

from ml.artifact import verify_artifact
from ml.data import load_mnist
from ml.predict import Predictor
from ml.train import TrainConfig, TrainingCancelled, train
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


def test_pen_redraws_follow_the_digit_with_hairline_to_marker_widths():
    pytest.importorskip("tensorflow")
    from ml.canvas_style import skeletons_2x
    from ml.model import redraw_with_pens

    digits = load_mnist(MNIST_DIR, "test").images[:64]
    skeletons = skeletons_2x(digits)
    redrawn = np.asarray(redraw_with_pens(digits[..., None], skeletons[..., None], fraction=1.0, seed=1))[..., 0]
    # The ink stays on the digit: nearly all of it within a pixel of the original strokes.
    dilated = np.maximum.reduce([np.roll(np.roll(digits, dr, 1), dc, 2) for dr in (-1, 0, 1) for dc in (-1, 0, 1)])
    assert (redrawn * (dilated > 0.2)).sum() / redrawn.sum() > 0.97
    # Pens from hairline to marker: ink per unit of skeleton varies several-fold.
    ink_per_length = redrawn.sum(axis=(1, 2)) / skeletons.sum(axis=(1, 2))
    assert ink_per_length.max() > 3 * ink_per_length.min()
    untouched = np.asarray(redraw_with_pens(digits[..., None], skeletons[..., None], fraction=0.0, seed=1))[..., 0]
    assert np.array_equal(untouched, digits)
