"""Temperature scaling, ECE and verdicts: numpy only."""

import numpy as np
import pytest

from ml.calibration import DEFAULT_SERVING, calibrated, choose_thresholds, expected_calibration_error, \
    fit_temperature, verdict_rates, verdicts_of


def overconfident_answers(n=4000, seed=0):
    """Softmax outputs of a model that is right 80 % of the time but says 99 %."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    predicted = np.where(rng.random(n) < 0.8, labels, (labels + rng.integers(1, 10, n)) % 10)
    logits = rng.normal(0, 0.3, (n, 10))
    logits[np.arange(n), predicted] += 7.0
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True), labels


def test_temperature_scaling_fixes_overconfidence_without_changing_answers():
    probabilities, labels = overconfident_answers()
    before = expected_calibration_error(probabilities, labels)
    temperature = fit_temperature(probabilities, labels)
    after_probabilities = calibrated(probabilities, temperature)
    after = expected_calibration_error(after_probabilities, labels)
    assert temperature > 1.5
    assert before > 0.15 and after < 0.05
    np.testing.assert_array_equal(after_probabilities.argmax(axis=1), probabilities.argmax(axis=1))
    np.testing.assert_allclose(after_probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(calibrated(probabilities, 1.0), probabilities, atol=1e-6)


def test_ece_of_a_perfectly_calibrated_model_is_small():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.5, 1.0, 20000)
    labels = np.zeros(20000, dtype=int)
    right = rng.random(20000) < confidence
    probabilities = np.zeros((20000, 2))
    probabilities[:, 0] = np.where(right, confidence, 1 - confidence)
    probabilities[:, 1] = 1 - probabilities[:, 0]
    assert expected_calibration_error(probabilities, labels) < 0.02


def test_verdicts_follow_the_thresholds():
    serving = {"temperature": 1.0, "digit_threshold": 0.8, "not_a_digit_threshold": 0.6}
    rows = np.zeros((3, 11))
    rows[0, 4] = 0.9
    rows[0, 10] = 0.1  # a confident 4
    rows[1, 4], rows[1, 9], rows[1, 10] = 0.5, 0.45, 0.05  # a 4 or a 9
    rows[2, 0], rows[2, 10] = 0.3, 0.7  # a tap
    assert verdicts_of(rows, serving).tolist() == ["digit", "unsure", "not_a_digit"]
    assert verdict_rates(verdicts_of(rows, serving)) == pytest.approx({"digit": 1 / 3, "unsure": 1 / 3, "not_a_digit": 1 / 3}, abs=1e-6)
    # A ten-class model (no "not a digit"): never not_a_digit, unsure under the default threshold.
    assert verdicts_of(rows[:, :10], DEFAULT_SERVING).tolist() == ["digit", "unsure", "unsure"]


def test_thresholds_keep_the_promised_rates_on_the_data_they_are_fitted_on():
    rng = np.random.default_rng(2)
    digits = np.zeros((2000, 11))
    digits[np.arange(2000), rng.integers(0, 10, 2000)] = rng.uniform(0.5, 1.0, 2000)
    digits[:, 10] = rng.uniform(0, 0.3, 2000) * (1 - digits.max(axis=1))
    non_digits = np.zeros((500, 11))
    non_digits[:, 10] = rng.uniform(0.4, 1.0, 500)
    non_digits[:, 3] = 1 - non_digits[:, 10]
    serving = {"temperature": 1.0, **choose_thresholds(digits, non_digits, digit_rate=0.985, not_a_digit_rate=0.005)}
    rates = verdict_rates(verdicts_of(digits, serving))
    assert rates["digit"] >= 0.985 and rates["not_a_digit"] <= 0.005


def test_the_serving_fit_and_verdict_report_train_and_cross_validation_share():
    from ml.calibration import calibrated, expected_calibration_error, fit_temperature, serving_fit
    from ml.real_writers import verdict_report

    rng = np.random.default_rng(5)
    labels = rng.integers(0, 10, 300)
    logits = rng.normal(0, 1, (300, 11)) + 4 * np.eye(11)[labels]
    digits_raw = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    non_logits = rng.normal(0, 1, (60, 11)) + 4 * np.eye(11)[np.full(60, 10)]
    non_raw = np.exp(non_logits) / np.exp(non_logits).sum(axis=1, keepdims=True)
    writers = rng.integers(1, 4, 300)

    serving = serving_fit(digits_raw, labels, non_raw, has_class=True)
    assert serving["temperature"] == fit_temperature(digits_raw, labels)
    assert {"digit_threshold", "not_a_digit_threshold"} <= set(serving)
    real, non_digits = verdict_report(digits_raw, labels, writers, non_raw, np.array(["star"] * 60), serving)
    assert real["ece_before"] == round(expected_calibration_error(digits_raw, labels), 6)
    assert real["ece_after"] == round(expected_calibration_error(calibrated(digits_raw, serving["temperature"]), labels), 6)
    assert abs(sum(real["verdicts"].values()) - 1) < 1e-6 and non_digits["count"] == 60
    assert set(non_digits["digit_rate_per_kind"]) == {"star"}
    assert non_digits["verdicts"]["not_a_digit"] > 0.5  # they score high on the eleventh class
    assert verdict_report(digits_raw[:0], labels[:0], writers[:0], non_raw, np.array(["star"] * 60), serving)[0] is None
