"""Accuracy and confusion matrix of any probability function on a labelled set."""

from __future__ import annotations

from typing import Callable

import numpy as np


def evaluate(probabilities: Callable[[np.ndarray], np.ndarray], images: np.ndarray, labels: np.ndarray) -> dict:
    """`probabilities` maps (N, 28, 28) images to (N, 10); returns JSON-ready metrics."""
    labels = np.asarray(labels, dtype=np.int64)
    predicted = np.asarray(probabilities(images)).argmax(axis=1)
    return metrics_from_predictions(labels, predicted)


def metrics_from_predictions(labels: np.ndarray, predicted: np.ndarray) -> dict:
    confusion = np.zeros((10, 10), dtype=np.int64)  # rows: true digit, columns: predicted
    np.add.at(confusion, (labels, predicted), 1)
    per_digit_total = confusion.sum(axis=1)
    per_digit = np.divide(np.diag(confusion), per_digit_total, out=np.zeros(10), where=per_digit_total > 0)
    return {
        "count": int(len(labels)),
        "accuracy": float((predicted == labels).mean()) if len(labels) else 0.0,
        "per_digit_accuracy": [round(float(a), 6) for a in per_digit],
        "confusion_matrix": confusion.tolist(),
    }


def evaluate_sets(probabilities: Callable[[np.ndarray], np.ndarray], sets: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """{set name: metrics} for every non-empty (images, labels) set, as ml.train records them."""
    return {name: evaluate(probabilities, images, labels) for name, (images, labels) in sets.items() if len(labels)}
