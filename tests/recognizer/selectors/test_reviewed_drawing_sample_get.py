"""The statistics page's sample of reviewed drawings: the trainable ones, limited in the query."""

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from recognizer.models import Drawing
from recognizer.selectors import reviewed_drawing_sample_get
from recognizer.services.reviews import drawing_review_label, drawing_review_reject


@pytest.mark.django_db
def test_the_sample_is_reviewed_drawings_only_decoded_to_28x28(reviewer, make_drawing):
    drawings = [make_drawing() for _ in range(4)]
    for drawing, label in zip(drawings[:3], (7, 1, 7)):
        drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=label)
    drawing_review_reject(drawing=drawings[3], reviewed_by=reviewer)
    make_drawing()  # unreviewed
    images, labels = reviewed_drawing_sample_get(limit=100)
    assert images.shape == (3, 28, 28) and images.dtype == np.float32
    assert sorted(labels.tolist()) == [1, 7, 7] and labels.dtype == np.uint8
    stored = {d.pk: d.pixels_array() for d in Drawing.objects.filter(review_status__in=Drawing.TRAINABLE)}
    assert all(any(np.array_equal(image, pixels) for pixels in stored.values()) for image in images)


@pytest.mark.django_db
def test_the_limit_is_in_the_query(reviewer, make_drawing):
    for _ in range(3):
        drawing_review_label(drawing=make_drawing(), reviewed_by=reviewer, label=7)
    with CaptureQueriesContext(connection) as queries:
        images, labels = reviewed_drawing_sample_get(limit=2)
    assert images.shape == (2, 28, 28) and len(labels) == 2
    assert len(queries) == 1 and "LIMIT 2" in queries[0]["sql"].upper()


@pytest.mark.django_db
def test_no_reviewed_drawings_is_an_empty_sample():
    images, labels = reviewed_drawing_sample_get(limit=10)
    assert images.shape == (0, 28, 28) and labels.shape == (0,)
