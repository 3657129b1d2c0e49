"""Scoring a freshly trained model for its metadata, and the serving calibration fitted on it.

From the exported (LiteRT) model: its agreement with Keras and its metrics on MNIST test and on
any evaluation sets; with real writers, its scores on the writers it never trained on and on
generated non-digits, and the temperature and verdict thresholds fitted on them (or given, e.g.
by a cross-validation by writer: ml/cross_validate.py), which the predictor applies.
"""

from __future__ import annotations

import numpy as np

from ml.calibration import DEFAULT_SERVING, NOT_A_DIGIT
from ml.config import TrainConfig
from ml.evaluate import evaluate, evaluate_sets
from ml.training_data import fragments_of

NON_DIGIT_EVAL_SIZE = 1400  # 100 of each generated kind, scored after training
# Non-digits for scoring come from a seed apart from the training run's own (config.seed).
NON_DIGIT_EVAL_SEED_OFFSET = 100_003


def evaluation_non_digits(seed: int, pendigits, writers, *, count: int = NON_DIGIT_EVAL_SIZE, cache_dir=None):
    """The generated non-digits a model of `seed` is scored on: (images, kinds); partial strokes
    are cut from the digits of `writers` (none: those fall back to spirals)."""
    from ml.real_writers import non_digit_set

    fragments, key = fragments_of(pendigits, writers)
    return non_digit_set(count, seed=seed + NON_DIGIT_EVAL_SEED_OFFSET, fragments=fragments, fragments_key=key,
                         cache_dir=cache_dir)


def serving_and_metrics(serving_bytes: bytes, model, config: TrainConfig, test, *, evaluation_sets: dict,
                        pendigits=None, cache_dir=None, calibration: dict | None = None,
                        real_writer_limit: int | None = None) -> tuple[dict, dict, dict]:
    """(serving section, metrics, data info) of the model exported as `serving_bytes` from the
    Keras `model`. Without `pendigits`, serving is the defaults overridden by `calibration`."""
    from ml.predict import Predictor

    raw = Predictor(model_content=serving_bytes)
    keras_probabilities = model(test.images[..., None], training=False).numpy()
    keras_difference = float(np.abs(raw.raw_probabilities(test.images) - keras_probabilities).max())
    if pendigits is not None:
        serving, real_writer_metrics, info = _real_writer_scores(raw, config, pendigits, cache_dir, calibration,
                                                                 real_writer_limit)
    else:
        serving, real_writer_metrics, info = {**DEFAULT_SERVING, **(calibration or {})}, {}, {}
    served = Predictor(model_content=serving_bytes, metadata={"serving": serving})
    test_metrics = evaluate(served.probabilities, test.images, test.labels)
    test_metrics["keras_max_abs_difference"] = keras_difference
    metrics = {"mnist_test": test_metrics, **evaluate_sets(served.probabilities, evaluation_sets)}
    metrics.update(real_writer_metrics)
    return serving, metrics, info


def _real_writer_scores(raw, config: TrainConfig, pendigits, cache_dir, calibration: dict | None,
                        limit: int | None = None):
    """Score the trained model on the real writers it never saw and on fresh generated non-digits;
    fit (or take from `calibration`) its temperature and verdict thresholds. `limit` scores only
    the first N real digits and a tenth of the non-digits (quick jobs).
    Returns (serving, metrics, data info)."""
    from ml.calibration import serving_fit
    from ml.real_writers import real_writer_eval_set, verdict_report, writer_rows

    scored = pendigits.subset(range(min(limit, len(pendigits)))) if limit else pendigits
    images, labels, writers = real_writer_eval_set(scored, cache_dir=cache_dir)
    unseen = sorted(set(writers.tolist()) - set(config.pendigits_writers))
    rows = writer_rows(writers, unseen)
    digits_raw = raw.raw_probabilities(images[rows]) if len(rows) else np.zeros((0, raw.classes))
    # Only a model with the not-a-digit class is scored on partial strokes; a ten-class one gets
    # spirals in their place.
    fragment_writers = (unseen or config.pendigits_writers) if raw.classes > NOT_A_DIGIT else ()
    non_digits, kinds = evaluation_non_digits(config.seed, pendigits, fragment_writers,
                                              count=NON_DIGIT_EVAL_SIZE // 10 if limit else NON_DIGIT_EVAL_SIZE,
                                              cache_dir=cache_dir)
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
    return serving, metrics, {"pendigits_writers_unseen": unseen}
