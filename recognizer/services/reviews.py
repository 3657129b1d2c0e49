"""A reviewer's decisions on a drawing: the digit it is, rejected as not a digit, or undone
(back to unreviewed). Each is audited with a LabelChange row, and the next training run uses
the reviewer's label (selectors.training_set_get)."""

from django.db import transaction
from django.utils import timezone

from recognizer.models import Drawing, LabelChange


class ReviewConflict(Exception):
    """Someone changed the drawing's label since the reviewer loaded it."""


@transaction.atomic
def drawing_review_label(*, drawing: Drawing, reviewed_by, label: int, expected_version: int | None = None) -> Drawing:
    """A reviewer says which digit it is: confirmed when it equals the prediction, relabeled
    otherwise. Audited; see _drawing_review_decide for `expected_version`."""
    if not 0 <= label <= 9:
        raise ValueError("label must be a digit from 0 to 9")
    return _drawing_review_decide(drawing=drawing, reviewed_by=reviewed_by, label=label,
                                  expected_version=expected_version)


@transaction.atomic
def drawing_review_reject(*, drawing: Drawing, reviewed_by, expected_version: int | None = None) -> Drawing:
    """A reviewer rejects it as not a digit (never trained on). Audited."""
    return _drawing_review_decide(drawing=drawing, reviewed_by=reviewed_by, status=Drawing.Review.REJECTED,
                                  expected_version=expected_version)


@transaction.atomic
def drawing_review_undo(*, drawing: Drawing, reviewed_by, expected_version: int | None = None) -> Drawing:
    """A reviewer's decision taken back: unreviewed again, back in the queue. Audited."""
    return _drawing_review_decide(drawing=drawing, reviewed_by=reviewed_by, status=Drawing.Review.UNREVIEWED,
                                  expected_version=expected_version)


def _drawing_review_decide(*, drawing: Drawing, reviewed_by, expected_version: int | None,
                           label: int | None = None, status: str | None = None) -> Drawing:
    """Set the review status and label (a label without a status: confirmed or relabeled against
    the prediction), with a LabelChange row when anything changes. Call inside a transaction.

    Optimistic locking: with `expected_version`, the write is refused (ReviewConflict) if anyone
    changed the drawing's label since that version was read, so two reviewers never silently
    overwrite each other. Without it (bulk actions) the last write wins, and both are audited.
    """
    locked = Drawing.objects.select_for_update().get(pk=drawing.pk)
    if expected_version is not None and locked.label_version != expected_version:
        last = locked.label_changes.select_related("changed_by").first()
        who = last.changed_by.get_username() if last and last.changed_by else "someone"
        raise ReviewConflict(f"{who} changed this drawing meanwhile; it now reads "
                             f"{locked.get_review_status_display().lower()}, label {locked.label}. Reload to see it.")
    reviewer = reviewed_by if reviewed_by is not None and reviewed_by.is_authenticated else None
    if status is None:
        status = Drawing.Review.CONFIRMED if label == locked.predicted_digit else Drawing.Review.RELABELED
    undone = status == Drawing.Review.UNREVIEWED
    if (locked.review_status, locked.label) != (status, label):
        LabelChange.objects.create(
            drawing=locked, kind=LabelChange.Kind.REVIEW, changed_by=reviewer,
            old_label=locked.label, new_label=label, old_status=locked.review_status, new_status=status,
        )
        locked.review_status, locked.label = status, label
        locked.reviewed_by = None if undone else reviewer
        locked.reviewed_at = None if undone else timezone.now()
        locked.label_version += 1
        locked.save(update_fields=["review_status", "label", "reviewed_by", "reviewed_at", "label_version"])
    return locked
