"""The examples one training run learns from, and what the metadata says about them.

In this order: MNIST's training split, extra labelled examples (e.g. reviewed user drawings),
MNIST's training digits redrawn as canvases (if asked), renders of the chosen real writers' digits, generated non-digits (the eleventh class); and, if
asked, per-example weights that balance the classes. When fine-tuning (warm_start with a
replay_size), the earlier data (MNIST, the real writers' renders, the non-digits) is replayed as
a seeded random sample of replay_size examples, each source in proportion to its size, so a
fine-tune stays short whatever its parent learned from; the extra examples are all kept.
Nothing here imports TensorFlow: ml/train.py builds the data before it does, so the renders may
be drawn in forked worker processes (ml/real_writers.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ml.calibration import NOT_A_DIGIT
from ml.config import TrainConfig
from ml.data import load_mnist


@dataclass(frozen=True)
class ExtraData:
    """Labelled examples beyond MNIST (e.g. reviewed user drawings), already preprocessed."""

    images: np.ndarray  # (N, 28, 28) float32 in [0, 1]
    labels: np.ndarray  # (N,) ints
    description: dict  # JSON-ready: counts, snapshot hash, ...


@dataclass(frozen=True)
class Source:
    """Earlier training data: how many examples, and any of them, (images, labels) for the sorted
    rows asked for (None: all). A fine-tune replays a small sample, so a source that has to draw
    its examples draws only those."""

    size: int
    rows: Callable[[np.ndarray | None], tuple[np.ndarray, np.ndarray]]

    @classmethod
    def of_arrays(cls, images: np.ndarray, labels: np.ndarray) -> "Source":
        return cls(len(labels), lambda rows: (images, labels) if rows is None else (images[rows], labels[rows]))


def training_data(config: TrainConfig, mnist_dir, extra: ExtraData | None, pendigits=None, cache_dir=None):
    """(images (N, 28, 28), labels (N,), weights (N,) or None, data info for the metadata)."""
    info = {}
    earlier = {}  # what the model learned (or learns) from besides the extra examples
    if config.use_mnist:
        mnist_images, mnist_labels = _mnist_part(config, mnist_dir, info)
        earlier["mnist"] = Source.of_arrays(mnist_images, mnist_labels)
        if config.mnist_canvas_renders:
            earlier["mnist_canvas"] = Source.of_arrays(*_mnist_canvas_part(config, mnist_images, mnist_labels,
                                                                           cache_dir, info))
    if config.pendigits_writers:
        earlier["pendigits"] = _real_writer_part(config, pendigits, cache_dir, info)
    info["pendigits_writers_seen"] = list(config.pendigits_writers)
    if config.non_digits:
        earlier["non_digit"] = _non_digit_part(config, pendigits, cache_dir, info)
    if config.warm_start and config.replay_size:
        chosen = _replay_sample(earlier, config.replay_size, config.seed, info)
    else:
        chosen = {name: source.rows(None) for name, source in earlier.items()}
    parts = list(chosen.values())
    if extra is not None and len(extra.labels):
        # Right after MNIST, where it has always been: the order of the examples is part of what
        # makes a run reproducible (the same config and data give the same model).
        parts.insert(1 if "mnist" in chosen else 0, _examples_part(extra))
        info["extra"] = extra.description
    if not parts:
        raise ValueError("no training data: enable MNIST or supply extra examples")
    images = np.concatenate([part_images for part_images, _ in parts])
    labels = np.concatenate([part_labels for _, part_labels in parts])
    weights = _class_balancing_weights(labels, config.classes) if config.class_balance else None
    info["train_count"] = int(len(labels))
    return images, labels, weights, info


def _replay_sample(sources: dict[str, Source], size: int, seed: int, info: dict) -> dict:
    """{name: (images, labels)}: a seeded random sample of `size` examples of the sources, each in
    proportion to its size (largest remainders), in each source's order: every digit and writer
    in proportion, not the first N. Only the sampled examples are drawn. MNIST alone gives the
    same sample as before sources were pooled (the same generator, the same draw)."""
    sizes = np.array([source.size for source in sources.values()], dtype=np.int64)
    if sizes.sum() <= size:
        return {name: source.rows(None) for name, source in sources.items()}
    quotas = size * sizes / sizes.sum()
    counts = np.floor(quotas).astype(np.int64)
    counts[np.argsort(counts - quotas, kind="stable")[: size - counts.sum()]] += 1
    sampled = {}
    for index, ((name, source), count) in enumerate(zip(sources.items(), counts)):
        rng = np.random.default_rng(seed if index == 0 else [seed, index])
        sampled[name] = source.rows(np.sort(rng.choice(source.size, size=int(count), replace=False)))
        info[f"{name}_replay_count"] = int(count)
        info[f"{name}_train_count"] = int(count)
    return sampled


def fragments_of(pendigits, writers) -> tuple[list | None, str]:
    """Strokes of the training writers' digits (for partial-stroke non-digits), and a cache key."""
    if pendigits is None or not writers:
        return None, ""
    chosen = set(writers)
    strokes = [stroke for digit in pendigits.digits if digit.writer in chosen for stroke in digit.strokes]
    return strokes, hashlib.sha256(",".join(map(str, sorted(chosen))).encode()).hexdigest()[:12]


def _mnist_part(config: TrainConfig, mnist_dir, info: dict):
    mnist = load_mnist(mnist_dir, "train")
    limit = min(config.train_limit or len(mnist), len(mnist))
    info["mnist_train_count"] = int(limit)
    info["mnist_train_checksums"] = mnist.checksums
    return mnist.images[:limit], mnist.labels[:limit]


def _mnist_canvas_part(config: TrainConfig, images, labels, cache_dir, info: dict):
    from ml.canvas_style import canvas_style_training_set

    redrawn, redrawn_labels = canvas_style_training_set(images, labels, renders=config.mnist_canvas_renders,
                                                        seed=config.seed, cache_dir=cache_dir)
    info["mnist_canvas_train_count"] = int(len(redrawn_labels))
    return redrawn, redrawn_labels


def _examples_part(examples: ExtraData):
    return (np.asarray(examples.images, dtype=np.float32).reshape(-1, 28, 28),
            np.asarray(examples.labels, dtype=np.uint8))


def _real_writer_part(config: TrainConfig, pendigits, cache_dir, info: dict) -> Source:
    from ml.real_writers import real_writer_training_rows, real_writer_training_set, writer_rows

    renders = config.pendigits_renders
    labels, writers = np.repeat(pendigits.labels, renders), np.repeat(pendigits.writers, renders)
    rows = writer_rows(writers, config.pendigits_writers)  # of every writer's renders, in order
    info["pendigits_train_count"] = int(len(rows))
    info["pendigits_checksums"] = pendigits.checksums

    def chosen(sample):
        if sample is None:  # all of them: the whole set, drawn once and kept in the cache
            images, _, _ = real_writer_training_set(pendigits, renders=renders, seed=config.seed,
                                                    jitter=config.stroke_jitter, cache_dir=cache_dir)
            return images[rows], labels[rows]
        return real_writer_training_rows(pendigits, rows[sample], renders=renders, seed=config.seed,
                                         jitter=config.stroke_jitter), labels[rows[sample]]

    return Source(len(rows), chosen)


def _non_digit_part(config: TrainConfig, pendigits, cache_dir, info: dict) -> Source:
    from ml.real_writers import non_digit_rows, non_digit_set

    fragments, key = fragments_of(pendigits, config.pendigits_writers)
    info["non_digit_train_count"] = int(config.non_digits)

    def chosen(sample):
        if sample is None:
            images, _ = non_digit_set(config.non_digits, seed=config.seed, fragments=fragments, fragments_key=key,
                                      cache_dir=cache_dir)
        else:
            images = non_digit_rows(sample, seed=config.seed, fragments=fragments)
        return images, np.full(len(images), NOT_A_DIGIT, dtype=np.uint8)

    return Source(int(config.non_digits), chosen)


def _class_balancing_weights(labels: np.ndarray, classes: int) -> np.ndarray:
    """Weights under which every class adds as much to the loss as if all were equally common."""
    counts = np.bincount(labels, minlength=classes).astype(np.float64)
    per_class = len(labels) / (classes * np.maximum(counts, 1))
    return per_class[labels].astype(np.float32)
