"""ml.gate: the candidate-vs-serving comparison and its verdict (no database, no TensorFlow)."""

import numpy as np

from ml.evaluate import metrics_from_predictions
from ml.gate import gate_compare


def metrics(right: int, count: int = 1000) -> dict:
    """Metrics of a model that gets the first `right` of `count` images right (digit i % 10)."""
    labels = np.arange(count) % 10
    predicted = labels.copy()
    predicted[right:] = (labels[right:] + 1) % 10
    return metrics_from_predictions(labels, predicted)


def test_within_0_2_points_everywhere_and_no_loss_on_users_is_blessed():
    serving = {"mnist_test": metrics(995), "canvas_style": metrics(990), "user_holdout": metrics(90, 100)}
    candidate = {"mnist_test": metrics(993), "canvas_style": metrics(991), "user_holdout": metrics(95, 100)}
    gate = gate_compare(candidate, serving)
    assert gate["blessed"] is True
    assert [c["metric"] for c in gate["checks"]] == ["canvas_style", "mnist_test", "user_holdout"]
    assert gate["summary"].startswith("blessed: ") and "mnist_test 99.30% vs 99.50% (-0.20 points" in gate["summary"]


def test_more_than_0_2_points_lost_on_a_public_set_is_refused():
    serving = {"mnist_test": metrics(995), "canvas_style": metrics(990)}
    candidate = {"mnist_test": metrics(992), "canvas_style": metrics(999)}
    gate = gate_compare(candidate, serving)
    assert gate["blessed"] is False
    failed = [c["metric"] for c in gate["checks"] if not c["passed"]]
    assert failed == ["mnist_test"] and "FAILED" in gate["summary"]


def test_any_loss_on_the_user_holdout_is_refused():
    serving = {"mnist_test": metrics(995), "user_holdout": metrics(91, 100)}
    candidate = {"mnist_test": metrics(999), "user_holdout": metrics(90, 100)}
    assert gate_compare(candidate, serving)["blessed"] is False


def test_every_metric_both_have_is_judged_and_one_sided_sets_are_listed():
    serving = {"mnist_test": metrics(995), "real_writers": metrics(950), "old_set": metrics(10)}
    candidate = {"mnist_test": metrics(995), "real_writers": metrics(940), "canvas_style": metrics(990)}
    gate = gate_compare(candidate, serving)
    assert gate["blessed"] is False  # a real-writer set, when both have it, is gated like the others
    assert gate["unmatched"] == ["canvas_style", "old_set"]


def test_different_counts_are_not_the_same_set():
    gate = gate_compare({"mnist_test": metrics(999, 1000)}, {"mnist_test": metrics(100, 200)})
    assert gate["blessed"] is False and gate["checks"][0]["same_set"] is False


def test_without_mnist_test_on_both_sides_nothing_is_blessed():
    gate = gate_compare({"canvas_style": metrics(999)}, {"canvas_style": metrics(990)})
    assert gate["blessed"] is False and gate["missing"] == ["mnist_test"]


def test_per_digit_and_confusion_differences_are_candidate_minus_serving():
    serving, candidate = {"mnist_test": metrics(990)}, {"mnist_test": metrics(1000)}
    check = gate_compare(candidate, serving)["checks"][0]
    confusion = np.array(check["confusion_delta"])
    assert confusion.sum() == 0 and np.trace(confusion) == 10  # ten more right, ten fewer mistakes
    assert sum(check["per_digit_delta"]) > 0
