"""Real writers' digits as the site receives them, and the writer-independent metric.

Every pendigits trajectory (ml/pen_trajectories.py) is drawn on a canvas the way the page draws
(ml/strokes.py) and goes through the site's own preprocessing (ml/preprocess.py), so these sets
measure exactly what serving sees.

- `real_writer_eval_set`: each digit drawn once, reproducibly (example i depends only on the
  seed and i), with the page's own pen on a 200-400 px square canvas, off-centre, in either
  colour scheme. No distortion: the writers' own hands are the variation.
- `real_writer_training_set`: each digit drawn `renders` times with stroke-level augmentation:
  affine and elastic jitter of the trajectory, a different pen speed (resampling), a random pen
  width (0.6-1.6x the page's), canvas sizes and colour schemes.
- `non_digit_set`: generated non-digits (ml/non_digits.py), the eleventh class.
- `real_writer_metrics`: accuracy overall, per digit and per writer (mean and worst).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.dataset_io import as_cached, cached_image_set
from ml.evaluate import metrics_from_predictions
from ml.parallel import map_in_chunks
from ml.strokes import SCHEMES, Jitter, Pen, jitter_strokes, page_line_width, place_strokes, render_strokes

# Bumped whenever the same (digit, seed, index) would give a different image.
RECIPE_VERSION = 1
NON_DIGIT_RECIPE_VERSION = 1
_SCHEMES = tuple(SCHEMES)


def real_writer_canvas(strokes, rng: np.random.Generator, *, jitter: Jitter | None = None,
                       pen_scale: tuple[float, float] = (1.0, 1.0), square: bool = True) -> np.ndarray:
    """One trajectory drawn on a random canvas and preprocessed: float32 (28, 28)."""
    from ml.preprocess import pixels_to_array

    width = int(rng.integers(200, 401))
    height = width if square else int(rng.integers(200, 401))
    line_width = page_line_width(width, height) * float(rng.uniform(*pen_scale))
    pen = Pen(line_width=line_width, scheme=_SCHEMES[int(rng.integers(len(_SCHEMES)))])
    if jitter is not None:
        strokes = jitter_strokes(strokes, rng, jitter)
    placed = place_strokes(strokes, width=width, height=height, rng=rng, margin=line_width / 2)
    return pixels_to_array(render_strokes(placed, width=width, height=height, pen=pen))


def _eval_chunk(args):
    strokes_list, start, seed = args
    return np.stack([real_writer_canvas(strokes, np.random.default_rng([RECIPE_VERSION, seed, start + i]))
                     for i, strokes in enumerate(strokes_list)])


def _training_render(strokes, seed: int, digit: int, render: int, jitter: bool) -> np.ndarray:
    """Render `render` of digit number `digit` of a training set: it depends on nothing else, so
    any rows of the set can be drawn alone (`real_writer_training_rows`)."""
    if jitter:
        rng = np.random.default_rng([RECIPE_VERSION, seed, digit, render, 1])
        return real_writer_canvas(strokes, rng, jitter=Jitter(), pen_scale=(0.6, 1.6), square=rng.random() < 0.7)
    return real_writer_canvas(strokes, np.random.default_rng([RECIPE_VERSION, seed, digit, render, 2]))


def _train_chunk(args):
    strokes_list, start, seed, renders, jitter = args
    return np.stack([_training_render(strokes, seed, start + i, r, jitter)
                     for i, strokes in enumerate(strokes_list) for r in range(renders)])


def _train_rows_chunk(args):
    items, _start, seed, jitter = args
    return np.stack([_training_render(strokes, seed, digit, r, jitter) for strokes, digit, r in items])


def _drawn(function, items: list, *arguments, workers: int | None) -> np.ndarray:
    """The (N, 28, 28) images `function` draws from chunks of `items` (ml/parallel.py)."""
    parts = map_in_chunks(function, items, *arguments, workers=workers)
    return np.concatenate(parts) if parts else np.zeros((0, 28, 28), dtype=np.float32)


def real_writer_eval_set(pendigits, *, seed: int = 0, cache_dir=None, workers: int | None = None):
    """Every digit of `pendigits` drawn once: (images (N, 28, 28), labels (N,), writers (N,)).
    Kept in `cache_dir` (about 20 s of CPU to build) under a name that changes with its recipe."""
    from ml.preprocess import PREPROCESS_VERSION

    labels, writers = pendigits.labels, pendigits.writers
    name = f"real-writers-r{RECIPE_VERSION}-p{PREPROCESS_VERSION}-s{seed}-{len(labels)}.npz"
    identity = {"labels": labels, "writers": writers}
    arrays = cached_image_set(_cache_path(cache_dir, name), lambda: {
        "images": _drawn(_eval_chunk, [d.strokes for d in pendigits.digits], seed, workers=workers), **identity,
    }, expect=identity)
    return arrays["images"], labels, writers


def real_writer_training_set(pendigits, *, renders: int, seed: int, jitter: bool = True, cache_dir=None,
                             workers: int | None = None):
    """Each digit drawn `renders` times: (images (N * renders, 28, 28), labels, writers), the
    renders of one digit next to each other. Kept in `cache_dir`: render all writers once, then
    take each fold's writers from it (`writer_rows`)."""
    from ml.preprocess import PREPROCESS_VERSION

    labels, writers = np.repeat(pendigits.labels, renders), np.repeat(pendigits.writers, renders)
    kind = "jitter" if jitter else "plain"
    name = f"real-writers-train-{kind}-r{RECIPE_VERSION}-p{PREPROCESS_VERSION}-s{seed}-x{renders}-{len(pendigits)}.npz"
    identity = {"labels": labels, "writers": writers}
    arrays = cached_image_set(_cache_path(cache_dir, name), lambda: {
        "images": _drawn(_train_chunk, [d.strokes for d in pendigits.digits], seed, renders, jitter, workers=workers),
        **identity,
    }, expect=identity)
    return arrays["images"], labels, writers


def real_writer_training_rows(pendigits, rows: np.ndarray, *, renders: int, seed: int, jitter: bool = True,
                              workers: int | None = None) -> np.ndarray:
    """Rows `rows` of `real_writer_training_set`'s images (the same pixels, as its cache rounds
    them), drawn without the rest: what a fine-tune's replay sample needs."""
    rows = np.asarray(rows, dtype=np.int64)
    items = [(pendigits.digits[row // renders].strokes, int(row // renders), int(row % renders)) for row in rows]
    return as_cached(_drawn(_train_rows_chunk, items, seed, jitter, workers=workers))


def writer_rows(writers: np.ndarray, chosen) -> np.ndarray:
    """Indices of the rows written by one of `chosen`."""
    return np.flatnonzero(np.isin(np.asarray(writers), np.asarray(list(chosen), dtype=np.int64)))


def _non_digit_chunk(args):
    from ml.non_digits import KINDS, non_digit_strokes
    from ml.preprocess import pixels_to_array

    indices, _start, seed, fragments = args
    images, kinds = [], []
    for i in indices:
        rng = np.random.default_rng([NON_DIGIT_RECIPE_VERSION, seed, i])
        kind = KINDS[i % len(KINDS)]
        width = int(rng.integers(200, 401))
        height = width if rng.random() < 0.7 else int(rng.integers(200, 401))
        strokes = non_digit_strokes(kind, rng, width=width, height=height, fragments=fragments)
        line_width = page_line_width(width, height) * float(rng.uniform(0.7, 1.5))
        pen = Pen(line_width=line_width, scheme=_SCHEMES[int(rng.integers(len(_SCHEMES)))])
        images.append(pixels_to_array(render_strokes(strokes, width=width, height=height, pen=pen)))
        kinds.append(kind)
    return np.stack(images), kinds


def non_digit_set(count: int, *, seed: int, fragments=None, fragments_key: str = "", cache_dir=None,
                  workers: int | None = None):
    """`count` generated non-digits, every kind in turn: (images (N, 28, 28), kinds (N,) str).
    `fragments`: strokes of real digits for the partial-stroke kind (training writers only);
    `fragments_key` names them in the cache file (e.g. a hash of the writers)."""
    if count <= 0:
        return np.zeros((0, 28, 28), dtype=np.float32), np.array([], dtype=object)
    from ml.preprocess import PREPROCESS_VERSION

    name = f"non-digits-r{NON_DIGIT_RECIPE_VERSION}-p{PREPROCESS_VERSION}-s{seed}-{count}-{fragments_key or 'none'}.npz"

    def build():
        images, kinds = _non_digits_drawn(list(range(count)), seed, fragments, workers)
        return {"images": images, "kinds": np.array(kinds)}

    arrays = cached_image_set(_cache_path(cache_dir, name), build)
    return arrays["images"], arrays["kinds"].astype(object)


def non_digit_rows(indices, *, seed: int, fragments=None, workers: int | None = None) -> np.ndarray:
    """Non-digits number `indices` of `non_digit_set(count, seed=seed, ...)` (the same pixels, as
    its cache rounds them), drawn without the rest: what a fine-tune's replay sample needs."""
    images, _ = _non_digits_drawn([int(i) for i in indices], seed, fragments, workers)
    return as_cached(images)


def _non_digits_drawn(indices: list[int], seed: int, fragments, workers) -> tuple[np.ndarray, list[str]]:
    if not indices:
        return np.zeros((0, 28, 28), dtype=np.float32), []
    parts = map_in_chunks(_non_digit_chunk, indices, seed, fragments, workers=workers)
    return np.concatenate([p[0] for p in parts]), [k for p in parts for k in p[1]]


def _cache_path(cache_dir, name: str) -> Path | None:
    return Path(cache_dir) / name if cache_dir is not None else None


def real_writer_metrics(labels: np.ndarray, predicted: np.ndarray, writers: np.ndarray) -> dict:
    """Accuracy, per digit and per writer (each writer's own accuracy; their mean and the worst)."""
    labels, predicted, writers = (np.asarray(a, dtype=np.int64) for a in (labels, predicted, writers))
    metrics = metrics_from_predictions(labels, predicted)
    per_writer = {str(int(w)): round(float((predicted[writers == w] == labels[writers == w]).mean()), 6)
                  for w in np.unique(writers)}
    worst = min(per_writer, key=per_writer.get) if per_writer else None
    metrics.update({
        "writers": sorted(int(w) for w in per_writer),
        "per_writer_accuracy": per_writer,
        "writer_mean_accuracy": round(float(np.mean(list(per_writer.values()))), 6) if per_writer else 0.0,
        "writer_worst_accuracy": per_writer[worst] if worst else 0.0,
        "worst_writer": int(worst) if worst else None,
    })
    return metrics


def verdict_report(digits_raw: np.ndarray, labels: np.ndarray, writers: np.ndarray, non_digits_raw: np.ndarray,
                   kinds: np.ndarray, serving: dict) -> tuple[dict | None, dict]:
    """How a model serving with `serving` (temperature, thresholds) reads real writers' digits
    and generated non-digits, from its raw outputs: (real-writer metrics with verdict rates and
    the calibration error before and after, or None without digits; non-digit verdict rates,
    overall and per kind)."""
    from ml.calibration import calibrated, digits_only, expected_calibration_error, verdict_rates, verdicts_of

    non_verdicts = verdicts_of(calibrated(non_digits_raw, serving["temperature"]), serving)
    non_digits = {
        "count": int(len(non_digits_raw)),
        "verdicts": verdict_rates(non_verdicts),
        "digit_rate_per_kind": {kind: round(float((non_verdicts[kinds == kind] == "digit").mean()), 6)
                                for kind in sorted(set(kinds))},
    }
    if not len(labels):
        return None, non_digits
    digits_calibrated = calibrated(digits_raw, serving["temperature"])
    real = real_writer_metrics(labels, digits_raw[:, :10].argmax(axis=1), writers)
    real.update({
        "verdicts": verdict_rates(verdicts_of(digits_calibrated, serving)),
        "ece_before": round(expected_calibration_error(digits_raw, labels), 6),
        "ece_after": round(expected_calibration_error(digits_calibrated, labels), 6),
        "ece_digits_only_after": round(expected_calibration_error(digits_only(digits_calibrated), labels), 6),
    })
    return real, non_digits
