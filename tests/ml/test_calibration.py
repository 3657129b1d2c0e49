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
