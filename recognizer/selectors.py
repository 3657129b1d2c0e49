"""Reads. Visibility rules live here: a visitor sees only their own drawings."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate

from recognizer.models import Drawing, ModelVersion, ModelVersionChange, Prediction, TrainingJob


def model_version_get_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


def _visible_to(user, visitor_id: str | None) -> Q | None:
    if user is not None and user.is_authenticated:
        return Q(owner=user)
    if visitor_id:
        return Q(owner__isnull=True, visitor_id=visitor_id)
    return None


def drawing_owned_by(*, user, visitor_id: str | None) -> Q:
    """Which drawings this visitor may change: their own, like `_visible_to`; and a cookie-less
    client may change a drawing that belongs to nobody, which holding its (random) id is enough
    for, as holding its idempotency key is."""
    return _visible_to(user, visitor_id) or Q(owner__isnull=True, visitor_id="")


def drawing_list_for_visitor(*, user, visitor_id: str | None) -> QuerySet[Drawing]:
    """The visitor's own drawings (not the withdrawn ones), newest first, with their final
    predictions prefetched."""
    condition = _visible_to(user, visitor_id)
    if condition is None:
        return Drawing.objects.none()
    return (
        Drawing.objects.filter(condition, withdrawn_at__isnull=True)
        .defer("image_png", "pixels", "strokes")
        .prefetch_related(Prefetch("predictions", queryset=Prediction.objects.filter(is_final=True)
                                   .select_related("model_version")))
    )


def prediction_list_for_drawing(*, drawing: Drawing) -> QuerySet[Prediction]:
    """A drawing's answers in the order it got them: one per update, the last one final."""
    return Prediction.objects.filter(drawing=drawing).select_related("model_version").order_by("created_at", "id")


def drawing_get_for_visitor(*, drawing_id, user, visitor_id: str | None) -> Drawing:
    """The drawing if the visitor may see it; Drawing.DoesNotExist otherwise (so ids don't leak)."""
    condition = _visible_to(user, visitor_id)
    if condition is None:
        raise Drawing.DoesNotExist
    return drawing_list_for_visitor(user=user, visitor_id=visitor_id).defer(None).get(condition, pk=drawing_id)


def drawing_stats_for_visitor(*, user, visitor_id: str | None) -> dict:
    """How often the model was right on the visitor's drawings, as far as they told us.

    A drawing the visitor did not correct counts as right; one they labelled counts as right
    when the label equals the latest prediction.
    """
    drawings = drawing_list_for_visitor(user=user, visitor_id=visitor_id)
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


def _trainable_drawings(*, cutoff=None):
    drawings = Drawing.objects.filter(review_status__in=Drawing.TRAINABLE, label__isnull=False, withdrawn_at__isnull=True)
    return drawings if cutoff is None else drawings.filter(created_at__lt=cutoff)


def reviewed_drawing_sample_get(*, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to `limit` of the drawings training_set_get would return (both its parts), as
    (images (n, 28, 28), labels): the admin's statistics re-predict them with the live model.
    The limit is in the query, so a large review history is never loaded whole."""
    rows = list(_trainable_drawings().order_by("id").values_list("label", "pixels")[:limit])
    return Drawing.pixels_stack(p for _, p in rows), np.array([label for label, _ in rows], dtype=np.uint8)


def training_set_get(*, cutoff=None) -> TrainingSet:
    """Reviewed drawings (confirmed or relabeled; never rejected or unreviewed) made before
    `cutoff`, with the reviewer's label, split stably into train and held-out parts."""
    rows = list(_trainable_drawings(cutoff=cutoff).order_by("id").values_list("id", "label", "pixels"))
    train, holdout = [], []
    for drawing_id, label, pixels in rows:
        (holdout if drawing_is_held_out(drawing_id) else train).append((drawing_id, label, pixels))

    def arrays(part):
        labels = np.array([label for _, label, _ in part], dtype=np.uint8)
        return Drawing.pixels_stack(p for _, _, p in part), labels

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


def training_data_count(*, use_mnist: bool, train_limit: int | None, include_user_drawings: bool, cutoff=None) -> int:
    """How many examples ml.train would train on for these options (before any validation
    split), without loading the images: MNIST's count comes from its labels file's header."""
    count = 0
    if use_mnist:
        from django.conf import settings

        from ml.data import MNIST_FILES, read_idx

        mnist_count = len(read_idx(Path(settings.MNIST_DIR) / MNIST_FILES["train-labels"][0]))
        count += min(train_limit or mnist_count, mnist_count)
    if include_user_drawings:
        drawings = Drawing.objects.filter(review_status__in=Drawing.TRAINABLE, label__isnull=False)
        if cutoff is not None:
            drawings = drawings.filter(created_at__lt=cutoff)
        ids = drawings.values_list("id", flat=True).iterator()
        count += sum(1 for drawing_id in ids if not drawing_is_held_out(drawing_id))
    return count


def drawing_list_for_review() -> QuerySet[Drawing]:
    """The review queue order: drawings their users said were wrong (another digit, or not a
    digit at all) first, then least confident. Withdrawn drawings (undone to an empty canvas) are
    not in it."""
    said_wrong = ExpressionWrapper(
        (Q(user_label__isnull=False) & ~Q(user_label=F("predicted_digit"))) | Q(user_says_not_a_digit=True),
        output_field=BooleanField(),
    )
    return (
        Drawing.objects.filter(withdrawn_at__isnull=True)
        .annotate(said_wrong=said_wrong)
        .order_by("-said_wrong", "confidence", "created_at")
    )


def review_accuracy_by_version() -> list[dict]:
    """For each model version: how many reviewed drawings it predicted, and how many right (its
    final answer: the ones it gave while the drawing was unfinished are history)."""
    return list(
        Prediction.objects.filter(drawing__review_status__in=Drawing.TRAINABLE, is_final=True)
        .values("model_version__name")
        .annotate(total=Count("id"), right=Count("id", filter=Q(digit=F("drawing__label"))))
        .order_by("model_version__created_at")
    )


def review_accuracy_by_day() -> list[dict]:
    """Per day of drawing: reviewed drawings and how many the model got right at the time."""
    return list(
        Drawing.objects.filter(review_status__in=Drawing.TRAINABLE, withdrawn_at__isnull=True)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(total=Count("id"), right=Count("id", filter=Q(predicted_digit=F("label"))))
        .order_by("day")
    )


def drawing_list_for_export() -> QuerySet[Drawing]:
    """The reviewed drawings that training uses (as training_set_get chooses them) and that have
    their strokes, oldest first, with only what a strokes export needs."""
    return (
        Drawing.objects.filter(review_status__in=Drawing.TRAINABLE, label__isnull=False, withdrawn_at__isnull=True,
                               strokes__isnull=False)
        .order_by("created_at", "id")
        .only("id", "label", "predicted_digit", "created_at", "strokes")
    )


@dataclass(frozen=True)
class RetrainingStatus:
    """Where the learning loop stands: reviews since the last training data, and how many more
    start the next automatic fine-tune."""

    enabled: bool
    threshold: int
    since: object  # datetime or None (then every reviewed drawing counts)
    new_reviews: int
    pending_job: object  # the TrainingJob queued or running, if any

    @property
    def remaining(self) -> int:
        return max(0, self.threshold - self.new_reviews)

    @property
    def text(self) -> str:
        if not self.enabled:
            return "automatic retraining is off (RETRAIN_AFTER_REVIEWS=0)"
        if self.pending_job is not None:
            return f"training job {self.pending_job.pk} is {self.pending_job.status}; {self.new_reviews} new reviews"
        if self.remaining:
            return f"next retraining after {self.remaining} more reviews ({self.new_reviews} of {self.threshold})"
        return f"retraining due: {self.new_reviews} new reviews (threshold {self.threshold})"


def retraining_since_get():
    """The time after which a reviewed drawing counts as new: the later of the serving version's
    training-data cut-off and the last automatic job's (whatever became of that job: a failed or
    refused try waits for as many new reviews again, instead of retrying every beat)."""
    cutoffs = []
    active = ModelVersion.objects.filter(is_active=True).select_related("job").first()
    if active is not None and active.job is not None and active.job.include_user_drawings:
        cutoffs.append(active.job.user_drawings_cutoff)
    last_triggered = (TrainingJob.objects.filter(trigger=TrainingJob.Trigger.REVIEWS).exclude(user_drawings_cutoff=None)
                      .order_by("-user_drawings_cutoff").values_list("user_drawings_cutoff", flat=True).first())
    cutoffs.append(last_triggered)
    cutoffs = [cutoff for cutoff in cutoffs if cutoff is not None]
    return max(cutoffs) if cutoffs else None


def drawing_count_reviewed_since(since) -> int:
    drawings = Drawing.objects.filter(review_status__in=Drawing.TRAINABLE, label__isnull=False)
    if since is not None:
        drawings = drawings.filter(reviewed_at__gt=since)
    return drawings.count()


def retraining_status_get() -> RetrainingStatus:
    from django.conf import settings

    since = retraining_since_get()
    return RetrainingStatus(
        enabled=settings.RETRAIN_AFTER_REVIEWS > 0,
        threshold=max(0, settings.RETRAIN_AFTER_REVIEWS),
        since=since,
        new_reviews=drawing_count_reviewed_since(since),
        pending_job=TrainingJob.objects.filter(status__in=TrainingJob.PENDING).order_by("created_at").first(),
    )
