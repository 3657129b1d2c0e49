"""train(config) -> a versioned artifact. Deterministic for a given config (seed included)."""

from __future__ import annotations

import platform
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from ml.artifact import write_artifact
from ml.calibration import DEFAULT_SERVING, NOT_A_DIGIT
from ml.config import TrainConfig
from ml.data import load_mnist
from ml.evaluate import evaluate
from ml.preprocess import PREPROCESS_VERSION
from ml.training_data import ExtraData, fragments_of, training_data

NON_DIGIT_EVAL_SIZE = 1400  # 100 of each generated kind, scored after training


class TrainingCancelled(Exception):
    """Raised by a progress callback to stop training; no artifact is written."""


@dataclass(frozen=True)
class Progress:
    stage: str  # "loading", "training", "evaluating", "saving"
    epoch: int = 0  # 1-based; 0 before the first epoch
    epochs: int = 0
    batch: int = 0
    batches: int = 0
    percent: float = 0.0
    elapsed: float = 0.0
    eta: float | None = None
    epoch_metrics: dict | None = None  # set at the end of each epoch


def train(
    config: TrainConfig,
    *,
    mnist_dir: Path | str,
    output_dir: Path | str,
    name: str,
    extra: ExtraData | None = None,
    evaluation_sets: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    progress: Callable[[Progress], None] | None = None,
    progress_every: int = 10,
    track_epochs: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    initial_model: Path | str | None = None,
    replay: dict[str, ExtraData] | None = None,
    pendigits_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    calibration: dict | None = None,
    real_writer_limit: int | None = None,
) -> dict:
    """Train, evaluate on the MNIST test set (and `evaluation_sets`) and write `output_dir/name`.

    Returns the artifact's metadata. `progress` is called at every stage, every `progress_every`
    batches and at each epoch's end; it may raise TrainingCancelled (or anything) to stop.
    `evaluation_sets` maps a metric name to held-out (images, labels), e.g. users' drawings.
    `track_epochs` sets (same shape) are scored after every epoch into the history, to show
    accuracy against time (bench/train_speed.py); each row's `elapsed` includes the scoring so
    far, and `scoring_seconds` says how long that epoch's took.
    With config.warm_start, training starts from the weights of `initial_model` (a model.keras
    of the same architecture). `replay` adds named samples of other earlier training data (beyond
    MNIST, whose replay is config.replay_size) to the mix, each recorded in the metadata.

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

    pendigits = None
    if pendigits_dir is not None:
        from ml.pen_trajectories import load_pendigits

        pendigits = load_pendigits(pendigits_dir)
    elif config.pendigits_writers:
        raise ValueError("pendigits_writers needs pendigits_dir")
    images, labels, weights, data_info = training_data(config, mnist_dir, extra, pendigits, cache_dir, replay or {})
    test = load_mnist(mnist_dir, "test")

    import keras
    import tensorflow as tf

    from ml.model import build_augmentation, build_model

    # A fresh graph state per run: layer names (which end up in the exported file) and seeds
    # start from zero, so the same config gives byte-identical artifacts in any process.
    keras.backend.clear_session()
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()

    validation = None
    if config.validation_size:
        config.check_data_size(len(labels))
        order = np.random.default_rng(config.seed).permutation(len(labels))
        held, kept = order[: config.validation_size], order[config.validation_size :]
        validation = (images[held][..., None], labels[held])
        images, labels = images[kept], labels[kept]
        weights = weights[kept] if weights is not None else None

    keras.mixed_precision.set_global_policy(config.precision)
    try:
        model = build_model(config.architecture, config.classes)
    finally:
        keras.mixed_precision.set_global_policy("float32")  # the process's other models stay float32
    # Start from trained weights: the serving version's (warm_start: a fine-tune job) or an
    # artifact's (init_from: the CLI); a ten-class head may grow the eleventh class.
    initial = Path(initial_model) if config.warm_start else (Path(config.init_from) / "model.keras" if config.init_from else None)
    started_from = _load_initial_weights(keras, model, initial) if initial is not None else None
    trainable = keras.Sequential([build_augmentation(config.seed, strokes=config.augment_pen), model]) if config.augment else model
    steps_per_epoch = -(-len(labels) // config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    warmup = min(steps_per_epoch, total_steps // 5)
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        decay_steps=max(1, total_steps - warmup),
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
    )
    trainable.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    history: list[dict] = []
    callback = _progress_callback(keras, report, config.epochs, steps_per_epoch, progress_every, history, track_epochs or {})
    fit_started = time.monotonic()
    trainable.fit(
        _training_batches(tf, images, labels, weights, config),
        epochs=config.epochs,
        validation_data=validation,
        shuffle=False,  # the dataset shuffles itself, every epoch
        verbose=0,
        callbacks=[callback],
    )
    training_seconds = time.monotonic() - fit_started

    report(Progress(stage="evaluating", epoch=config.epochs, epochs=config.epochs, percent=100.0))
    model = _float32_copy(model, config.architecture, config.classes)
    serving_bytes = export_tflite(model)
    from ml.predict import Predictor

    raw = Predictor(model_content=serving_bytes)
    keras_probabilities = model(test.images[..., None], training=False).numpy()
    keras_difference = float(np.abs(raw.raw_probabilities(test.images) - keras_probabilities).max())
    real_writer_info = {}
    if pendigits is not None:
        serving, real_writer_metrics_, real_writer_info = _real_writer_scores(
            raw, config, pendigits, cache_dir, calibration, real_writer_limit)
    else:
        serving, real_writer_metrics_ = {**DEFAULT_SERVING, **(calibration or {})}, {}
    served = Predictor(model_content=serving_bytes, metadata={"serving": serving})
    test_metrics = evaluate(served.probabilities, test.images, test.labels)
    test_metrics["keras_max_abs_difference"] = keras_difference
    metrics = {"mnist_test": test_metrics}
    for set_name, (set_images, set_labels) in (evaluation_sets or {}).items():
        if len(set_labels):
            metrics[set_name] = evaluate(served.probabilities, set_images, set_labels)
    metrics.update(real_writer_metrics_)

    report(Progress(stage="saving", epoch=config.epochs, epochs=config.epochs, percent=100.0))
    metadata = {
        "name": name,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "architecture": config.architecture,
        "config": config.to_dict(),
        "preprocess_version": PREPROCESS_VERSION,
        "labels": list(range(10)) + (["not_a_digit"] if config.classes > NOT_A_DIGIT else []),
        "serving": serving,
        "data": {**data_info, **real_writer_info, "mnist_test_checksums": test.checksums},
        "metrics": metrics,
        "history": history,
        **({"initial_model": started_from} if started_from else {}),
        "parameters": int(model.count_params()),
        "training_seconds": round(training_seconds, 1),
        "total_seconds": round(time.monotonic() - started, 1),
        "environment": {
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "machine": f"{platform.machine()}, {_cpu_count()} CPUs",
        },
    }
    return write_artifact(Path(output_dir) / name, serving_bytes=serving_bytes, keras_model=model, metadata=metadata)


def _load_initial_weights(keras, model, initial_model: Path) -> dict:
    """Copy the weights of the model.keras at `initial_model` into `model`, layer by layer (a
    ten-class head growing an eleventh class keeps its ten digits' weights; the new class starts
    at zero); returns what it started from, for the metadata."""
    from ml.digest import file_digest

    if not initial_model.is_file():
        raise ValueError(f"{initial_model} is missing: the initial model must be a model.keras file")
    source = keras.models.load_model(initial_model, compile=False)
    target_layers = [layer for layer in model.layers if layer.weights]
    source_layers = [layer for layer in source.layers if layer.weights]
    if len(target_layers) != len(source_layers):
        raise ValueError(f"{initial_model} does not fit the {model.name!r} network being trained: another architecture")
    for target, origin in zip(target_layers, source_layers):
        values = origin.get_weights()
        shapes = [w.shape for w in target.get_weights()]
        if [v.shape for v in values] != shapes:
            grown = []
            for value, shape in zip(values, shapes):
                if value.shape[:-1] != shape[:-1] or value.shape[-1] > shape[-1]:
                    raise ValueError(f"{initial_model} does not fit the {model.name!r} network being trained: "
                                     f"layer {origin.name} does not fit {target.name}")
                padded = np.zeros(shape, dtype=value.dtype)
                padded[..., : value.shape[-1]] = value
                grown.append(padded)
            values = grown
        target.set_weights(values)
    return {"artifact": initial_model.parent.name, "keras_sha256": file_digest(initial_model, "sha256")}


def _real_writer_scores(raw, config: TrainConfig, pendigits, cache_dir, calibration: dict | None,
                        limit: int | None = None):
    """Score the trained model on the real writers it never saw and on fresh generated non-digits;
    fit (or take from `calibration`) its temperature and verdict thresholds.
    Returns (serving, metrics, data info)."""
    from ml.calibration import serving_fit
    from ml.real_writers import non_digit_set, real_writer_eval_set, verdict_report, writer_rows

    scored = pendigits.subset(range(min(limit, len(pendigits)))) if limit else pendigits
    images, labels, writers = real_writer_eval_set(scored, cache_dir=cache_dir)
    non_digit_count = NON_DIGIT_EVAL_SIZE // 10 if limit else NON_DIGIT_EVAL_SIZE
    unseen = sorted(set(writers.tolist()) - set(config.pendigits_writers))
    rows = writer_rows(writers, unseen)
    digits_raw = raw.raw_probabilities(images[rows]) if len(rows) else np.zeros((0, raw.classes))
    fragments, key = fragments_of(pendigits, unseen or config.pendigits_writers)
    non_digits, kinds = (non_digit_set(non_digit_count, seed=config.seed + 100_003, fragments=fragments,
                                       fragments_key=key, cache_dir=cache_dir) if raw.classes > NOT_A_DIGIT
                         else non_digit_set(non_digit_count, seed=config.seed + 100_003, cache_dir=cache_dir))
    non_raw = raw.raw_probabilities(non_digits)

    if calibration is not None:
        serving = {**DEFAULT_SERVING, **calibration, "fitted_on": calibration.get("fitted_on", "given")}
    elif len(rows):
        serving = {**serving_fit(digits_raw, labels[rows], non_raw, has_class=raw.classes > NOT_A_DIGIT),
                   "fitted_on": f"real writers {unseen} (not trained on) and generated non-digits"}
    else:
        serving = {**DEFAULT_SERVING, "fitted_on": "defaults: no held-out writers"}

    real, non_digit_scores = verdict_report(digits_raw, labels[rows], writers[rows], non_raw, kinds, serving)
    metrics = {"non_digits": non_digit_scores}
    if real is not None:
        metrics["real_writer"] = {**real, "estimate": "measured on writers the model never trained on"}
    elif calibration is not None and calibration.get("real_writer"):
        metrics["real_writer"] = calibration["real_writer"]  # the cross-validation's estimate
    info = {"pendigits_writers_unseen": unseen}
    return serving, metrics, info


def _training_batches(tf, images: np.ndarray, labels: np.ndarray, weights, config: TrainConfig):
    """Shuffled batches of (images, labels[, weights]), part of them redrawn with canvas pens if
    configured."""
    redraw = config.augment and config.redraw_fraction > 0
    columns = (images[..., None], labels) + ((weights,) if weights is not None else ())
    if redraw:
        from ml.canvas_style import skeletons_2x

        columns = (images[..., None], skeletons_2x(images)[..., None]) + columns[1:]
    dataset = tf.data.Dataset.from_tensor_slices(columns)
    dataset = dataset.shuffle(len(labels), seed=config.seed, reshuffle_each_iteration=True).batch(config.batch_size)
    if redraw:
        from ml.model import redraw_with_pens

        dataset = dataset.map(
            lambda image, skeleton, *rest: (
                redraw_with_pens(image, skeleton, fraction=config.redraw_fraction, seed=config.seed), *rest
            )
        )
    return dataset.prefetch(2)


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


def _progress_callback(keras, report, epochs, steps_per_epoch, every, history, tracked):
    class ProgressCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.started = time.monotonic()
            self.epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def _progress(self, batch, epoch_metrics=None):
            done = self.epoch * steps_per_epoch + batch
            elapsed = time.monotonic() - self.started
            fraction = done / (epochs * steps_per_epoch)
            return Progress(
                stage="training",
                epoch=self.epoch + 1,
                epochs=epochs,
                batch=batch,
                batches=steps_per_epoch,
                percent=round(100.0 * fraction, 2),
                elapsed=round(elapsed, 1),
                eta=round(elapsed * (1 - fraction) / fraction, 1) if fraction > 0 else None,
                epoch_metrics=epoch_metrics,
            )

        def on_train_batch_end(self, batch, logs=None):
            if (batch + 1) % every == 0:
                report(self._progress(batch + 1))

        def on_epoch_end(self, epoch, logs=None):
            metrics = {"epoch": epoch + 1, **{key: round(float(value), 6) for key, value in (logs or {}).items()}}
            scoring_started = time.monotonic()
            for set_name, (set_images, set_labels) in tracked.items():
                predicted = self.model.predict(set_images[..., None], batch_size=1000, verbose=0).argmax(axis=1)
                metrics[f"{set_name}_accuracy"] = round(float((predicted == set_labels).mean()), 6)
            if tracked:
                metrics["scoring_seconds"] = round(time.monotonic() - scoring_started, 1)
            metrics["elapsed"] = round(time.monotonic() - self.started, 1)
            history.append(metrics)
            report(self._progress(steps_per_epoch, epoch_metrics=metrics))

    return ProgressCallback()


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
