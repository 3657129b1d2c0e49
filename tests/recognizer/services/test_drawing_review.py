"""Reviewing drawings: decisions, audit trail, optimistic locking, and what training then sees."""

import pytest

from recognizer.models import Drawing, LabelChange
from recognizer.selectors import drawing_is_held_out, drawing_list_for_review, training_set_get
from recognizer.services.drawings import (
    ReviewConflict,
    drawing_create_with_prediction,
    drawing_label_set,
    drawing_review,
)
from tests.canvases import one_png, seven_png


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("rita", password="x-long-password-7", is_staff=True)


def make_drawing(png=None):
    drawing, _ = drawing_create_with_prediction(image=png or seven_png())
    return drawing


@pytest.mark.django_db
def test_label_equal_to_the_prediction_confirms_a_different_one_relabels(reviewer):
    seven = make_drawing()
    assert (seven.predicted_digit, seven.review_status) == (7, "unreviewed")
    drawing_review(drawing=seven, reviewed_by=reviewer, label=7)
    seven.refresh_from_db()
    assert (seven.review_status, seven.label, seven.reviewed_by) == ("confirmed", 7, reviewer)
    drawing_review(drawing=seven, reviewed_by=reviewer, label=1)
    seven.refresh_from_db()
    assert (seven.review_status, seven.label) == ("relabeled", 1)
    drawing_review(drawing=seven, reviewed_by=reviewer, reject=True)
    seven.refresh_from_db()
    assert (seven.review_status, seven.label) == ("rejected", None)


@pytest.mark.django_db
def test_every_change_is_audited_with_who_and_old_and_new(reviewer, user):
    drawing = make_drawing()
    drawing_label_set(drawing=drawing, label=1, changed_by=user)
    drawing_review(drawing=drawing, reviewed_by=reviewer, label=1)
    drawing_review(drawing=drawing, reviewed_by=reviewer, label=1)  # no change, no audit row
    drawing_review(drawing=drawing, reviewed_by=reviewer, unreview=True)
    rows = list(LabelChange.objects.order_by("created_at", "id").values_list(
        "kind", "changed_by__username", "old_label", "new_label", "old_status", "new_status"))
    assert rows == [
        ("user", "alice", None, 1, "", ""),
        ("review", "rita", None, 1, "unreviewed", "relabeled"),
        ("review", "rita", 1, None, "relabeled", "unreviewed"),
    ]


@pytest.mark.django_db
def test_two_reviewers_cannot_silently_overwrite_each_other(reviewer, django_user_model):
    other = django_user_model.objects.create_user("omar", password="x-long-password-6", is_staff=True)
    drawing = make_drawing()
    seen = drawing.label_version
    drawing_review(drawing=drawing, reviewed_by=other, label=2, expected_version=seen)
    with pytest.raises(ReviewConflict, match="omar changed this drawing"):
        drawing_review(drawing=drawing, reviewed_by=reviewer, label=3, expected_version=seen)
    drawing.refresh_from_db()
    assert drawing.label == 2 and LabelChange.objects.count() == 1


@pytest.mark.django_db
def test_invalid_decisions_are_refused(reviewer):
    drawing = make_drawing()
    for bad in ({}, {"label": 3, "reject": True}, {"label": 10}):
        with pytest.raises(ValueError):
            drawing_review(drawing=drawing, reviewed_by=reviewer, **bad)
    assert not LabelChange.objects.exists()


@pytest.mark.django_db
def test_queue_puts_user_said_wrong_first_then_least_confident(user):
    confident = make_drawing()
    unsure = make_drawing(one_png(size=(280, 280), width=60))
    said_wrong = make_drawing()
    drawing_label_set(drawing=said_wrong, label=4, changed_by=user)
    Drawing.objects.filter(pk=confident.pk).update(confidence=0.99)
    Drawing.objects.filter(pk=unsure.pk).update(confidence=0.40)
    assert list(drawing_list_for_review().values_list("pk", flat=True)) == [said_wrong.pk, unsure.pk, confident.pk]


@pytest.mark.django_db
def test_training_set_has_reviewed_drawings_only_with_the_reviewers_label(reviewer, user):
    drawings = [make_drawing() for _ in range(12)]
    drawing_label_set(drawing=drawings[0], label=3, changed_by=user)  # the user's word alone is not enough
    drawing_review(drawing=drawings[1], reviewed_by=reviewer, reject=True)
    for drawing in drawings[2:]:
        drawing_review(drawing=drawing, reviewed_by=reviewer, label=9)
    training_set = training_set_get()
    assert len(training_set.train_labels) + len(training_set.holdout_labels) == 10
    assert set(training_set.train_labels) | set(training_set.holdout_labels) == {9}
    held_out = {str(d.pk) for d in drawings[2:] if drawing_is_held_out(d.pk)}
    assert training_set.snapshot["user_holdout_count"] == len(held_out)
    assert training_set.snapshot["user_train_per_digit"][9] == 10 - len(held_out)
    assert training_set.train_images.shape[1:] == (28, 28)
    assert training_set_get().snapshot["drawing_ids_sha256"] == training_set.snapshot["drawing_ids_sha256"]


def test_held_out_split_is_stable_and_about_a_fifth():
    import uuid

    ids = [uuid.UUID(int=i * 7919) for i in range(5000)]
    first = [drawing_is_held_out(i) for i in ids]
    assert first == [drawing_is_held_out(i) for i in ids]
    assert 0.17 < sum(first) / len(ids) < 0.23
