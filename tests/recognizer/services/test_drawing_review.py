"""Reviewing drawings: decisions, audit trail, optimistic locking (what training then sees:
tests/recognizer/selectors/test_training_set_get.py)."""

import pytest

from recognizer.models import LabelChange
from recognizer.services.drawings import drawing_label_set
from recognizer.services.reviews import (
    ReviewConflict,
    drawing_review_label,
    drawing_review_reject,
    drawing_review_undo,
)


@pytest.mark.django_db
def test_label_equal_to_the_prediction_confirms_a_different_one_relabels(reviewer, make_drawing):
    seven = make_drawing()
    assert (seven.predicted_digit, seven.review_status) == (7, "unreviewed")
    drawing_review_label(drawing=seven, reviewed_by=reviewer, label=7)
    seven.refresh_from_db()
    assert (seven.review_status, seven.label, seven.reviewed_by) == ("confirmed", 7, reviewer)
    drawing_review_label(drawing=seven, reviewed_by=reviewer, label=1)
    seven.refresh_from_db()
    assert (seven.review_status, seven.label) == ("relabeled", 1)
    drawing_review_reject(drawing=seven, reviewed_by=reviewer)
    seven.refresh_from_db()
    assert (seven.review_status, seven.label) == ("rejected", None)


@pytest.mark.django_db
def test_every_change_is_audited_with_who_and_old_and_new(reviewer, user, make_drawing):
    drawing = make_drawing()
    drawing_label_set(drawing=drawing, label=1, changed_by=user)
    drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=1)
    drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=1)  # no change, no audit row
    drawing_review_undo(drawing=drawing, reviewed_by=reviewer)
    rows = list(LabelChange.objects.order_by("created_at", "id").values_list(
        "kind", "changed_by__username", "old_label", "new_label", "old_status", "new_status"))
    assert rows == [
        ("user", "alice", None, 1, "", ""),
        ("review", "rita", None, 1, "unreviewed", "relabeled"),
        ("review", "rita", 1, None, "relabeled", "unreviewed"),
    ]


@pytest.mark.django_db
def test_two_reviewers_cannot_silently_overwrite_each_other(reviewer, django_user_model, make_drawing):
    other = django_user_model.objects.create_user("omar", password="x-long-password-6", is_staff=True)
    drawing = make_drawing()
    seen = drawing.label_version
    drawing_review_label(drawing=drawing, reviewed_by=other, label=2, expected_version=seen)
    with pytest.raises(ReviewConflict, match="omar changed this drawing"):
        drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=3, expected_version=seen)
    drawing.refresh_from_db()
    assert drawing.label == 2 and LabelChange.objects.count() == 1


@pytest.mark.django_db
def test_a_label_that_is_not_a_digit_is_refused(reviewer, make_drawing):
    drawing = make_drawing()
    for bad in (10, -1):
        with pytest.raises(ValueError, match="digit from 0 to 9"):
            drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=bad)
    assert not LabelChange.objects.exists()
