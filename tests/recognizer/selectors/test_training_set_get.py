"""What training sees of the reviews: reviewed drawings only, with the reviewer's label, split
stably into train and held-out parts."""

import pytest

from recognizer.selectors import drawing_is_held_out, training_set_get
from recognizer.services.drawings import drawing_label_set
from recognizer.services.reviews import drawing_review_label, drawing_review_reject


@pytest.mark.django_db
def test_training_set_has_reviewed_drawings_only_with_the_reviewers_label(reviewer, user, make_drawing):
    drawings = [make_drawing() for _ in range(12)]
    drawing_label_set(drawing=drawings[0], label=3, changed_by=user)  # the user's word alone is not enough
    drawing_review_reject(drawing=drawings[1], reviewed_by=reviewer)
    for drawing in drawings[2:]:
        drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=9)
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
