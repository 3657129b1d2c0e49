"""The promotion gate: a candidate model against the serving one, on the same evaluation sets.

Like TFX's Evaluator "blessing": every metric both versions were scored on is checked, each
with the loss it may show (accuracy points as a fraction), and the candidate is blessed only if
every check holds. The result is JSON-ready, recorded with the candidate, so "why is this
version serving (or not)?" has its figures as the answer.
"""

from __future__ import annotations

import numpy as np

# A candidate may lose at most 0.2 points on the fixed public sets (MNIST test, canvas-style,
# a real-writer set), and nothing on the held-out reviewed drawings: those are the users it is
# retrained for.
MAX_LOSS = 0.002
NO_LOSS_SETS = ("user_holdout",)
REQUIRED_SETS = ("mnist_test",)


def gate_compare(
    candidate: dict, baseline: dict, *, max_loss: float = MAX_LOSS, no_loss_sets=NO_LOSS_SETS
) -> dict:
    """Compare two {set name: metrics (ml.evaluate)} dicts; returns the checks and the verdict.

    Sets only one side has are listed as `unmatched` and not judged; a set with different counts
    on both sides is not the same set, and fails its check.
    """
    checks = []
    for name in sorted(set(candidate) & set(baseline)):
        ours, theirs = candidate[name], baseline[name]
        if not isinstance(ours, dict) or "accuracy" not in ours or "accuracy" not in theirs:
            continue
        allowed = 0.0 if name in no_loss_sets else max_loss
        same_set = ours.get("count") == theirs.get("count")
        delta = float(ours["accuracy"]) - float(theirs["accuracy"])
        passed = same_set and delta >= -allowed - 1e-9
        checks.append({
            "metric": name,
            "count": ours.get("count"),
            "candidate": float(ours["accuracy"]),
            "baseline": float(theirs["accuracy"]),
            "delta": delta,
            "allowed_loss": allowed,
            "passed": bool(passed),
            "same_set": same_set,
            "per_digit_delta": _difference(ours.get("per_digit_accuracy"), theirs.get("per_digit_accuracy")),
            "confusion_delta": _difference(ours.get("confusion_matrix"), theirs.get("confusion_matrix")),
        })
    checked = {check["metric"] for check in checks}
    missing = [name for name in REQUIRED_SETS if name not in checked]
    blessed = bool(checks) and not missing and all(check["passed"] for check in checks)
    return {
        "blessed": blessed,
        "max_loss": max_loss,
        "checks": checks,
        "missing": missing,
        "unmatched": sorted(set(candidate) ^ set(baseline)),
        "summary": gate_summary(checks, blessed, missing),
    }


def gate_summary(checks: list[dict], blessed: bool, missing=()) -> str:
    """One line a person can read: the verdict, then every figure that led to it."""
    parts = []
    for check in checks:
        if not check["same_set"]:
            parts.append(f"{check['metric']}: not the same set (counts differ)")
            continue
        limit = "no loss allowed" if check["allowed_loss"] == 0 else f"at most -{check['allowed_loss'] * 100:.1f} allowed"
        parts.append(
            f"{check['metric']} {check['candidate']:.2%} vs {check['baseline']:.2%} "
            f"({check['delta'] * 100:+.2f} points, {limit}){'' if check['passed'] else ' FAILED'}"
        )
    parts += [f"{name}: not scored on both" for name in missing]
    return ("blessed: " if blessed else "refused: ") + "; ".join(parts or ["nothing to compare"])


def _difference(ours, theirs):
    if ours is None or theirs is None or np.shape(ours) != np.shape(theirs):
        return None
    difference = np.asarray(ours, dtype=np.float64) - np.asarray(theirs, dtype=np.float64)
    if np.issubdtype(np.asarray(ours).dtype, np.integer) and np.issubdtype(np.asarray(theirs).dtype, np.integer):
        return difference.astype(np.int64).tolist()
    return [round(float(value), 6) for value in difference.ravel()] if difference.ndim == 1 else difference.round(6).tolist()
