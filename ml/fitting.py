"""Fitting the network to the training data: the Keras half of a training run.

A fresh seeded Keras session, the validation split, the network in the configured precision
(from earlier weights if asked), the warm-up + cosine schedule, the shuffled (and partly
pen-redrawn) batches, and the fit, reporting progress. The order of these steps is the order in
which Keras hands out layer names and random seeds: keep it, or the same config stops giving a
byte-identical artifact.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.config import TrainConfig
from ml.training_progress import progress_callback


@dataclass(frozen=True)
class FittedNetwork:
    model: object  # the trained Keras network, without the augmentation layers
    history: list[dict]  # one row per epoch (ml/training_progress.py)
    started_from: dict | None  # the initial weights' artifact and digest, when not random
    training_seconds: float  # the fit alone


def fit_network(config: TrainConfig, images: np.ndarray, labels: np.ndarray, weights, *,
                initial_model: Path | None, report, progress_every: int, track_epochs: dict) -> FittedNetwork:
    """Train a network of `config` on (images, labels[, weights]), starting from the weights of
    `initial_model` (a model.keras) if given. `report` receives the Progress of every
    `progress_every` batches and of each epoch; `track_epochs` sets are scored every epoch."""
    import keras
    import tensorflow as tf

    from ml.model import build_augmentation

    # A fresh graph state per run: layer names (which end up in the exported file) and seeds
    # start from zero, so the same config gives byte-identical artifacts in any process.
    keras.backend.clear_session()
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()

    images, labels, weights, validation = _validation_split(config, images, labels, weights)
    model = _network(keras, config)
    started_from = _load_initial_weights(keras, model, initial_model) if initial_model is not None else None
    trainable = (keras.Sequential([build_augmentation(config.seed, strokes=config.augment_pen, elastic=config.elastic), model])
                 if config.augment else model)
    steps_per_epoch = -(-len(labels) // config.batch_size)
    trainable.compile(
        # With an EMA, fit() ends by writing the averaged weights into the model (Keras's
        # finalize_variable_values), so the export is the average; the batch-norm statistics stay
        # the running ones.
        optimizer=keras.optimizers.Adam(_learning_rate_schedule(keras, config, steps_per_epoch),
                                        use_ema=config.ema_momentum > 0, ema_momentum=config.ema_momentum),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )

    history: list[dict] = []
    callback = progress_callback(keras, report, config.epochs, steps_per_epoch, progress_every, history, track_epochs)
    fit_started = time.monotonic()
    trainable.fit(
        _training_batches(tf, images, labels, weights, config),
        epochs=config.epochs,
        validation_data=validation,
        shuffle=False,  # the dataset shuffles itself, every epoch
        verbose=0,
        callbacks=[callback],
    )
    return FittedNetwork(model, history, started_from, time.monotonic() - fit_started)


def _validation_split(config: TrainConfig, images: np.ndarray, labels: np.ndarray, weights):
    """(images, labels, weights) left to train on, and the held-out (images, labels) or None."""
    if not config.validation_size:
        return images, labels, weights, None
    config.check_data_size(len(labels))
    order = np.random.default_rng(config.seed).permutation(len(labels))
    held, kept = order[: config.validation_size], order[config.validation_size :]
    validation = (images[held][..., None], labels[held])
    return images[kept], labels[kept], (weights[kept] if weights is not None else None), validation


def _network(keras, config: TrainConfig):
    """A new network of `config`'s architecture and classes, computing in its precision."""
    from ml.model import build_model

    keras.mixed_precision.set_global_policy(compute_precision(config.precision))
    try:
        return build_model(config.architecture, config.classes)
    finally:
        keras.mixed_precision.set_global_policy("float32")  # the process's other models stay float32


def compute_precision(precision: str, cpu_flags: set[str] | None = None) -> str:
    """The Keras policy for `precision`: "auto" is bfloat16 only where the CPU computes it natively
    (AVX512-BF16 or AMX). Elsewhere, e.g. an AVX2-only EPYC, TensorFlow emulates it and a run
    took 7x longer than in float32 (docs/model.md)."""
    if precision != "auto":
        return precision
    flags = _cpu_flags() if cpu_flags is None else cpu_flags
    return "mixed_bfloat16" if flags & {"avx512_bf16", "amx_bf16"} else "float32"


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass  # not Linux: float32, which is right everywhere
    return set()


def _learning_rate_schedule(keras, config: TrainConfig, steps_per_epoch: int):
    """A linear warm-up from a tenth of the peak to the peak (one epoch, at most a fifth of the
    run), then a cosine decay."""
    total_steps = steps_per_epoch * config.epochs
    warmup = min(steps_per_epoch, total_steps // 5)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=config.learning_rate / 10,
        decay_steps=max(1, total_steps - warmup),
        warmup_target=config.learning_rate,
        warmup_steps=warmup,
    )


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
