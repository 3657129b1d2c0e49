"""Honest confidence: temperature scaling, expected calibration error, and the verdict.

A network's softmax is over-confident on what it has not seen (a tap is "0, 100 % sure").
Temperature scaling divides the logits by one number T, fitted on held-out writers to minimise
the log loss: argmax is unchanged, only how sure the answer sounds. The LiteRT model outputs
softmax probabilities p; log p is the logits up to a constant per row, so softmax(log p / T) is
exactly softmax(logits / T).

The verdict turns calibrated probabilities into the answer's wording: "not_a_digit" when the
eleventh class ("not a digit", if the model has one) is likely enough, "digit" when the most
likely digit is, "unsure" otherwise. Its thresholds are fitted on held-out writers and on
generated non-digits, and stored with the model (metadata "serving"), like the temperature.
"""

from __future__ import annotations

import numpy as np

VERDICTS = ("digit", "unsure", "not_a_digit")
NOT_A_DIGIT = 10  # the eleventh class's index, when a model has it
# Models trained before verdicts existed (ten classes, never calibrated): an answer under this
# confidence is "unsure"; none is ever "not_a_digit".
DEFAULT_SERVING = {"temperature": 1.0, "digit_threshold": 0.9, "not_a_digit_threshold": 1.01}


def calibrated(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """(N, C) softmax outputs -> the same rows at temperature T (float64)."""
    logits = np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-30, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def digits_only(probabilities: np.ndarray) -> np.ndarray:
    """(N, classes) -> (N, 10): the ten digits' share, renormalised (given that it is a digit)."""
    digits = probabilities[:, :10]
    return digits / digits.sum(axis=1, keepdims=True)


def negative_log_likelihood(probabilities: np.ndarray, labels: np.ndarray) -> float:
    rows = np.arange(len(labels))
    return float(-np.log(np.clip(probabilities[rows, np.asarray(labels)], 1e-30, None)).mean())


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The T in [0.05, 20] minimising the log loss of `labels` (a 1-D search on log T: the loss
    is convex in 1/T)."""
    low, high = np.log(0.05), np.log(20.0)
    loss = lambda log_t: negative_log_likelihood(calibrated(probabilities, float(np.exp(log_t))), labels)  # noqa: E731
    for _ in range(60):  # golden-section search
        a = high - (high - low) / 1.618033988749895
        b = low + (high - low) / 1.618033988749895
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return round(float(np.exp((low + high) / 2)), 4)


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE: the mean |accuracy - confidence| over equal-width confidence bins,
    weighted by how many answers fall in each."""
    probabilities = np.asarray(probabilities)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            error += mask.mean() * abs(correct[mask].mean() - confidence[mask].mean())
    return float(error)


def verdicts_of(probabilities: np.ndarray, serving: dict) -> np.ndarray:
    """Calibrated (N, 10 or 11) probabilities -> (N,) verdict strings."""
    probabilities = np.asarray(probabilities)
    digit = probabilities[:, :10].max(axis=1)
    not_digit = probabilities[:, NOT_A_DIGIT] if probabilities.shape[1] > NOT_A_DIGIT else np.zeros(len(probabilities))
    out = np.full(len(probabilities), "unsure", dtype=object)
    out[digit >= serving["digit_threshold"]] = "digit"
    out[not_digit >= serving["not_a_digit_threshold"]] = "not_a_digit"
    return out


def verdict_rates(verdicts: np.ndarray) -> dict:
    verdicts = np.asarray(verdicts)
    return {name: round(float((verdicts == name).mean()), 6) if len(verdicts) else 0.0 for name in VERDICTS}


def choose_thresholds(digits: np.ndarray, non_digits: np.ndarray | None, *, digit_rate: float = 0.988,
                      not_a_digit_rate: float = 0.003) -> dict:
    """Verdict thresholds from calibrated probabilities of held-out real digits and non-digits.

    "not_a_digit" is said of at most `not_a_digit_rate` of the real digits (the lowest threshold
    that keeps it so: it catches the most non-digits); then "digit" is the highest threshold at
    which still `digit_rate` of the real digits get it (the fewest non-digits pass as digits).
    """
    digits = np.asarray(digits)
    if digits.shape[1] > NOT_A_DIGIT and non_digits is not None:
        scores = np.sort(digits[:, NOT_A_DIGIT])
        allowed = int(np.floor(not_a_digit_rate * len(scores)))
        not_a_digit_threshold = float(scores[len(scores) - allowed - 1]) + 1e-6 if allowed < len(scores) else 1.0
        not_a_digit_threshold = min(max(not_a_digit_threshold, 0.5), 1.0)
    else:
        not_a_digit_threshold = DEFAULT_SERVING["not_a_digit_threshold"]
    eligible = digits[digits[:, NOT_A_DIGIT] < not_a_digit_threshold, :10].max(axis=1) \
        if digits.shape[1] > NOT_A_DIGIT else digits[:, :10].max(axis=1)
    needed = int(np.ceil(digit_rate * len(digits)))
    ranked = np.sort(eligible)[::-1]
    digit_threshold = float(ranked[min(needed, len(ranked)) - 1]) if len(ranked) else 0.5
    floor6 = lambda x: float(np.floor(x * 1e6) / 1e6)  # noqa: E731 (never above what was measured)
    return {"digit_threshold": floor6(min(max(digit_threshold, 0.3), 0.99)),
            "not_a_digit_threshold": round(not_a_digit_threshold, 6)}


def serving_fit(digits_raw: np.ndarray, labels: np.ndarray, non_digits_raw: np.ndarray, *, has_class: bool) -> dict:
    """The temperature and verdict thresholds a model serves with. The temperature is fitted on
    real digits only (their calibration is what an answer promises: "97 % sure"); the generated
    non-digits set the not-a-digit threshold, for a model that has that class."""
    temperature = fit_temperature(digits_raw, labels)
    return {"temperature": temperature, **choose_thresholds(
        calibrated(digits_raw, temperature), calibrated(non_digits_raw, temperature) if has_class else None)}
