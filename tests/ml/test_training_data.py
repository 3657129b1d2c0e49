"""What one training run learns from: MNIST, then its canvas redraws when asked for."""

import numpy as np

from ml.canvas_style import canvas_style_training_set
from ml.config import TrainConfig
from ml.training_data import training_data
from tests.canvases import MNIST_DIR


def test_mnist_canvas_redraws_follow_mnist_with_the_same_labels(tmp_path):
    config = TrainConfig(train_limit=100, mnist_canvas_renders=2, seed=3)
    images, labels, weights, info = training_data(config, MNIST_DIR, None, cache_dir=tmp_path)
    plain, plain_labels, _, _ = training_data(TrainConfig(train_limit=100, seed=3), MNIST_DIR, None)
    assert len(labels) == 300 and weights is None
    assert info["mnist_train_count"] == 100 and info["mnist_canvas_train_count"] == 200
    assert np.array_equal(images[:100], plain) and np.array_equal(labels[:100], plain_labels)
    redrawn, redrawn_labels = canvas_style_training_set(plain, plain_labels, renders=2, seed=3, cache_dir=tmp_path)
    assert np.array_equal(images[100:], redrawn) and np.array_equal(labels[100:], np.repeat(plain_labels, 2))


def test_no_redraws_unless_asked_for():
    _, labels, _, info = training_data(TrainConfig(train_limit=100), MNIST_DIR, None)
    assert len(labels) == 100 and "mnist_canvas_train_count" not in info


def test_a_daemonic_process_draws_in_itself(monkeypatch):
    """A Celery prefork worker's child is daemonic and may not fork a pool: it draws alone."""
    import multiprocessing

    from ml.parallel import worker_count

    assert worker_count(2) == 2 or "tensorflow" in __import__("sys").modules
    monkeypatch.setattr(multiprocessing.current_process(), "daemon", True)
    assert worker_count(2) == 1
