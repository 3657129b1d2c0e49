"""Reads. Visibility rules live here: a visitor sees only their own drawings."""

import hashlib
from dataclasses import dataclass

import numpy as np
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate

from recognizer.models import Drawing, ModelVersion, ModelVersionChange, Prediction


def model_version_get_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


def _visible_to(user, session_key: str | None) -> Q | None:
    if user is not None and user.is_authenticated:
        return Q(owner=user)
    if session_key:
        return Q(owner__isnull=True, session_key=session_key)
    return None


def drawing_list_for_visitor(*, user, session_key: str | None) -> QuerySet[Drawing]:
    """The visitor's own drawings, newest first, with their predictions prefetched."""
    condition = _visible_to(user, session_key)
    if condition is None:
        return Drawing.objects.none()
    return (
        Drawing.objects.filter(condition)
        .defer("image_png", "pixels")
        .prefetch_related(Prefetch("predictions", queryset=Prediction.objects.select_related("model_version")))
    )


def drawing_get_for_visitor(*, drawing_id, user, session_key: str | None) -> Drawing:
    """The drawing if the visitor may see it; Drawing.DoesNotExist otherwise (so ids don't leak)."""
    condition = _visible_to(user, session_key)
    if condition is None:
        raise Drawing.DoesNotExist
    return drawing_list_for_visitor(user=user, session_key=session_key).defer(None).get(condition, pk=drawing_id)


def drawing_stats_for_visitor(*, user, session_key: str | None) -> dict:
    """How often the model was right on the visitor's drawings, as far as they told us.

    A drawing the visitor did not correct counts as right; one they labelled counts as right
    when the label equals the latest prediction.
    """
    drawings = drawing_list_for_visitor(user=user, session_key=session_key)
    total = drawings.count()
    wrong = 0
    if total:
        wrong = sum(
            1
            for drawing in drawings.filter(user_label__isnull=False)
            if drawing.prediction is not None and drawing.prediction.digit != drawing.user_label
        )
    return {"total": total, "wrong": wrong, "right": total - wrong, "accuracy": (total - wrong) / total if total else None}


def model_version_previous_get() -> ModelVersion | None:
    """The version that served before the active one (what a rollback returns to)."""
    active = model_version_get_active()
    if active is None:
        return None
    change = ModelVersionChange.objects.filter(to_version=active).exclude(from_version=None).first()
    return change.from_version if change else None


@dataclass(frozen=True)
class TrainingSet:
    """Labelled user drawings for training, split stably into train and held-out parts."""

    train_images: np.ndarray
    train_labels: np.ndarray
    holdout_images: np.ndarray
    holdout_labels: np.ndarray
    snapshot: dict  # JSON-ready: counts per digit and split, sha256 of the drawing ids, cut-off


HOLDOUT_PERCENT = 20


def drawing_is_held_out(drawing_id) -> bool:
    """Stable split: decided by a hash of the id alone, so a drawing never moves between train
    and held-out as the set grows, and every digit has the same 20% held-out share (in expectation)."""
    digest = hashlib.sha256(str(drawing_id).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < HOLDOUT_PERCENT


def training_set_get(*, cutoff=None) -> TrainingSet:
    """Reviewed drawings (confirmed or relabeled; never rejected or unreviewed) made before
    `cutoff`, with the reviewer's label, split stably into train and held-out parts."""
    drawings = Drawing.objects.filter(review_status__in=Drawing.TRAINABLE, label__isnull=False)
    if cutoff is not None:
        drawings = drawings.filter(created_at__lt=cutoff)
    rows = list(drawings.order_by("id").values_list("id", "label", "pixels"))
    train, holdout = [], []
    for drawing_id, label, pixels in rows:
        (holdout if drawing_is_held_out(drawing_id) else train).append((drawing_id, label, pixels))

    def arrays(part):
        images = np.array([np.frombuffer(bytes(p), dtype=np.float32).reshape(28, 28) for _, _, p in part], dtype=np.float32)
        labels = np.array([label for _, label, _ in part], dtype=np.uint8)
        return images.reshape(-1, 28, 28), labels

    train_images, train_labels = arrays(train)
    holdout_images, holdout_labels = arrays(holdout)
    ids_hash = hashlib.sha256("\n".join(str(drawing_id) for drawing_id, _, _ in rows).encode()).hexdigest()
    snapshot = {
        "user_drawings": len(rows),
        "user_train_count": len(train),
        "user_holdout_count": len(holdout),
        "user_train_per_digit": np.bincount(train_labels, minlength=10).tolist(),
        "user_holdout_per_digit": np.bincount(holdout_labels, minlength=10).tolist(),
        "drawing_ids_sha256": ids_hash,
        "cutoff": cutoff.isoformat() if cutoff else None,
    }
    return TrainingSet(train_images, train_labels, holdout_images, holdout_labels, snapshot)


def drawing_list_for_review() -> QuerySet[Drawing]:
    """The review queue order: drawings their users said were wrong (another digit, or not a
    digit at all) first, then least confident."""
    said_wrong = ExpressionWrapper(
        (Q(user_label__isnull=False) & ~Q(user_label=F("predicted_digit"))) | Q(user_says_not_a_digit=True),
        output_field=BooleanField(),
    )
    return Drawing.objects.annotate(said_wrong=said_wrong).order_by("-said_wrong", "confidence", "created_at")


def review_accuracy_by_version() -> list[dict]:
    """For each model version: how many reviewed drawings it predicted, and how many right."""
    return list(
        Prediction.objects.filter(drawing__review_status__in=Drawing.TRAINABLE)
        .values("model_version__name")
        .annotate(total=Count("id"), right=Count("id", filter=Q(digit=F("drawing__label"))))
        .order_by("model_version__created_at")
    )


def review_accuracy_by_day() -> list[dict]:
    """Per day of drawing: reviewed drawings and how many the model got right at the time."""
    return list(
        Drawing.objects.filter(review_status__in=Drawing.TRAINABLE)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Count("id"), right=Count("id", filter=Q(predicted_digit=F("label"))))
        .order_by("day")
    )
