"""k-fold cross-validation by writer: the writer-independent estimate, and the calibration.

Each fold trains the same recipe on MNIST plus the real writers of the other folds and scores
the writers of its own fold, which it never saw. Pooling the k folds' answers gives every
writer's digits read by a model that never saw that writer: the writer-independent accuracy,
per digit and per writer. The temperature and the verdict thresholds are fitted on these pooled
out-of-fold answers (and on generated non-digits each fold model scored), so the final model,
trained with the same recipe on all writers, is served with a calibration fitted on writers held
out from the models that produced it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ml.artifact import read_metadata
from ml.calibration import NOT_A_DIGIT, serving_fit
from ml.config import TrainConfig
from ml.pen_trajectories import load_pendigits, writer_folds
from ml.real_writers import real_writer_eval_set, verdict_report, writer_rows
from ml.scoring import evaluation_non_digits
from ml.train import train


def cross_validate(config: TrainConfig, *, k: int, mnist_dir, pendigits_dir, output_dir, cache_dir=None,
                   fold_seed: int = 0, evaluation_sets=None, progress=None, only_folds=None) -> dict:
    """Train k fold models (`output_dir`/fold-i; one already there is reused if its recipe is
    the same) and return the cross-validation report."""
    pendigits = load_pendigits(pendigits_dir)
    folds = writer_folds(pendigits.writers, k, seed=fold_seed)
    images, labels, writers = real_writer_eval_set(pendigits, cache_dir=cache_dir)
    out_of_fold = np.full((len(labels), config.classes), np.nan)
    non_digit_raw, non_digit_kinds, fold_reports = [], [], []
    for index, held_out in enumerate(folds):
        if only_folds is not None and index not in only_folds:
            continue
        fold = _trained_fold(config, index, held_out, pendigits, mnist_dir=mnist_dir, pendigits_dir=pendigits_dir,
                             output_dir=output_dir, cache_dir=cache_dir, evaluation_sets=evaluation_sets,
                             progress=progress)
        rows = writer_rows(writers, held_out)
        out_of_fold[rows] = fold.predictor.raw_probabilities(images[rows])
        non_digits, kinds = evaluation_non_digits(config.seed, pendigits, held_out.tolist(), cache_dir=cache_dir)
        non_digit_raw.append(fold.predictor.raw_probabilities(non_digits))
        non_digit_kinds.append(kinds)
        fold_reports.append(fold.report)

    scored = ~np.isnan(out_of_fold[:, 0])
    raw, labels, writers = out_of_fold[scored], labels[scored], writers[scored]
    non_raw, kinds = np.concatenate(non_digit_raw), np.concatenate(non_digit_kinds)
    serving = {**serving_fit(raw, labels, non_raw, has_class=config.classes > NOT_A_DIGIT),
               "fitted_on": f"out-of-fold answers of a {k}-fold cross-validation by writer and generated non-digits"}
    real, non_digits = verdict_report(raw, labels, writers, non_raw, kinds, serving)
    real.update({
        "estimate": f"{k}-fold cross-validation by writer (each writer read by a model that never saw them)",
        "folds": k,
    })
    return {
        "config": config.to_dict(),
        "k": k,
        "fold_seed": fold_seed,
        "folds": fold_reports,
        "real_writer": real,
        "non_digits": non_digits,
        "serving": serving,
    }


@dataclasses.dataclass(frozen=True)
class _Fold:
    predictor: object  # ml.predict.Predictor of the fold's model
    report: dict  # the fold's row of the cross-validation report


def _trained_fold(config: TrainConfig, index: int, held_out: np.ndarray, pendigits, *, mnist_dir, pendigits_dir,
                  output_dir, cache_dir, evaluation_sets, progress) -> _Fold:
    """Fold `index`'s model, trained on every writer but `held_out` (or reused from an earlier run
    of the same recipe), loaded for scoring, and its row of the report."""
    from ml.predict import Predictor

    seen = tuple(sorted(set(pendigits.writers.tolist()) - set(held_out.tolist())))
    fold_config = dataclasses.replace(config, pendigits_writers=seen)
    fold_dir = Path(output_dir) / f"fold-{index}"
    if fold_dir.exists():
        # Trained before (artifacts are immutable): score it again, if it is this fold's recipe.
        metadata = read_metadata(fold_dir)
        if TrainConfig.from_dict(metadata["config"]) != fold_config:
            raise ValueError(f"{fold_dir} was trained with another recipe; remove it or choose another --output-dir")
    else:
        metadata = train(fold_config, mnist_dir=mnist_dir, output_dir=output_dir, name=f"fold-{index}",
                         pendigits_dir=pendigits_dir, cache_dir=cache_dir, evaluation_sets=evaluation_sets,
                         progress=progress)
    metrics = metadata["metrics"]
    report = {
        "fold": index,
        "held_out_writers": held_out.tolist(),
        "mnist_test_accuracy": metrics["mnist_test"]["accuracy"],
        "canvas_style_accuracy": metrics.get("canvas_style", {}).get("accuracy"),
        "real_writer_accuracy": metrics["real_writer"]["accuracy"],
        "real_writer_per_digit_accuracy": metrics["real_writer"]["per_digit_accuracy"],
        "training_seconds": metadata.get("training_seconds"),
    }
    return _Fold(Predictor.load(fold_dir), report)
