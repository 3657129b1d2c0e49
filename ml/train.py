"""train(config) -> a versioned artifact. Deterministic for a given config (seed included).

A training run, step by step: load the data (ml/training_data.py), fit the network
(ml/fitting.py, reporting ml/training_progress.py's Progress), export it to LiteRT, score it and
fit its serving calibration (ml/scoring.py), and write the artifact with its metadata.
"""

from __future__ import annotations

import platform
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from ml.artifact import write_artifact
from ml.calibration import NOT_A_DIGIT
from ml.config import TrainConfig
from ml.data import load_mnist
from ml.fitting import FittedNetwork, compute_precision, fit_network
from ml.preprocess import PREPROCESS_VERSION
from ml.scoring import NON_DIGIT_EVAL_SIZE, serving_and_metrics
from ml.training_data import ExtraData, training_data
from ml.training_progress import Progress, TrainingCancelled

__all__ = ["train", "export_tflite", "ExtraData", "Progress", "TrainingCancelled", "NON_DIGIT_EVAL_SIZE"]


def train(config: TrainConfig, *, mnist_dir: Path | str, output_dir: Path | str, name: str,
          extra: ExtraData | None = None, evaluation_sets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
          progress: Callable[[Progress], None] | None = None, progress_every: int = 10,
          track_epochs: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
          initial_model: Path | str | None = None,
          pendigits_dir: Path | str | None = None, cache_dir: Path | str | None = None,
          calibration: dict | None = None, real_writer_limit: int | None = None) -> dict:
    """Train, evaluate on the MNIST test set (and `evaluation_sets`) and write `output_dir/name`.

    Returns the artifact's metadata. `progress` is called at every stage, every `progress_every`
    batches and at each epoch's end; it may raise TrainingCancelled (or anything) to stop.
    `evaluation_sets` maps a metric name to held-out (images, labels), e.g. users' drawings.
    `track_epochs` sets (same shape) are scored after every epoch into the history, to show
    accuracy against time (bench/train_speed.py); each row's `elapsed` includes the scoring so
    far, and `scoring_seconds` says how long that epoch's took.
    With config.warm_start, training starts from the weights of `initial_model` (a model.keras
    of the same architecture), and config.replay_size samples the earlier data it replays
    (ml/training_data.py).

    With `pendigits_dir`, the model is also scored on the real writers it did not train on
    (metrics "real_writer": per digit, per writer), its temperature and verdict thresholds are
    fitted on them (and on generated non-digits) unless `calibration` gives them (e.g. from a
    cross-validation by writer: ml/cross_validate.py), and the result is stored as the
    metadata's "serving" section, which the predictor applies. `real_writer_limit` scores only
    the first N real digits (and a tenth of the non-digits): quick jobs, e.g. in tests.
    """
    if config.warm_start and initial_model is None:
        raise ValueError("warm_start needs the initial model (a model.keras) to start from")
    report = progress or (lambda _: None)
    started = time.monotonic()
    report(Progress(stage="loading"))
    pendigits = _load_pendigits(config, pendigits_dir)
    # Before Keras is imported (in fit_network): real-writer renders may then use worker processes.
    images, labels, weights, data_info = training_data(config, mnist_dir, extra, pendigits, cache_dir)
    test = load_mnist(mnist_dir, "test")

    fitted = fit_network(config, images, labels, weights, initial_model=_initial_weights_file(config, initial_model),
                         report=report, progress_every=progress_every, track_epochs=track_epochs or {})

    report(Progress(stage="evaluating", epoch=config.epochs, epochs=config.epochs, percent=100.0))
    model = _float32_copy(fitted.model, config.architecture, config.classes)
    serving_bytes = export_tflite(model)
    serving, metrics, real_writer_info = serving_and_metrics(
        serving_bytes, model, config, test, evaluation_sets=evaluation_sets or {}, pendigits=pendigits,
        cache_dir=cache_dir, calibration=calibration, real_writer_limit=real_writer_limit)

    report(Progress(stage="saving", epoch=config.epochs, epochs=config.epochs, percent=100.0))
    data = {**data_info, **real_writer_info, "mnist_test_checksums": test.checksums}
    metadata = _metadata(name, config, fitted, model, serving=serving, data=data, metrics=metrics, started=started)
    return write_artifact(Path(output_dir) / name, serving_bytes=serving_bytes, keras_model=model, metadata=metadata)


def _load_pendigits(config: TrainConfig, pendigits_dir):
    if pendigits_dir is not None:
        from ml.pen_trajectories import load_pendigits

        return load_pendigits(pendigits_dir)
    if config.pendigits_writers:
        raise ValueError("pendigits_writers needs pendigits_dir")
    return None


def _initial_weights_file(config: TrainConfig, initial_model) -> Path | None:
    """The model.keras whose trained weights the run starts from: the serving version's
    (warm_start: a fine-tune job) or an artifact's (init_from: the CLI); None: random weights.
    A ten-class head may grow the eleventh class (ml/fitting.py)."""
    if config.warm_start:
        return Path(initial_model)
    return Path(config.init_from) / "model.keras" if config.init_from else None


def _metadata(name: str, config: TrainConfig, fitted: FittedNetwork, model, *, serving: dict, data: dict,
              metrics: dict, started: float) -> dict:
    """The artifact's metadata.json, less what write_artifact adds (format, file digests)."""
    return {
        "name": name,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "architecture": config.architecture,
        "config": config.to_dict(),
        "preprocess_version": PREPROCESS_VERSION,
        "labels": list(range(10)) + (["not_a_digit"] if config.classes > NOT_A_DIGIT else []),
        "serving": serving,
        "data": data,
        "metrics": metrics,
        "history": fitted.history,
        **({"initial_model": fitted.started_from} if fitted.started_from else {}),
        "parameters": int(model.count_params()),
        "training_seconds": round(fitted.training_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "environment": _environment(config.precision),
    }


def _environment(precision: str) -> dict:
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "machine": f"{platform.machine()}, {_cpu_count()} CPUs",
        "precision": compute_precision(precision),
    }


def _float32_copy(model, architecture: str, classes: int = 10):
    """The trained network computing in float32, for export (mixed-precision graphs carry casts
    the LiteRT interpreter has no use for). Variables are float32 under either policy."""
    if model.dtype_policy.name == "float32":
        return model
    from ml.model import build_model

    copy = build_model(architecture, classes)
    copy.set_weights(model.get_weights())
    return copy


def export_tflite(model) -> bytes:
    """The Keras model as a LiteRT flatbuffer (float32, no quantisation: outputs match Keras)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    return converter.convert()


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
