"""The review queue's order: what the user said was wrong first, then the least confident."""

import pytest

from recognizer.models import Drawing
from recognizer.selectors import drawing_list_for_review
from recognizer.services.drawings import drawing_label_set
from tests.canvases import one_png


@pytest.mark.django_db
def test_queue_puts_user_said_wrong_first_then_least_confident(user, make_drawing):
    confident = make_drawing()
    unsure = make_drawing(one_png(size=(280, 280), width=60))
    said_wrong = make_drawing()
    drawing_label_set(drawing=said_wrong, label=4, changed_by=user)
    Drawing.objects.filter(pk=confident.pk).update(confidence=0.99)
    Drawing.objects.filter(pk=unsure.pk).update(confidence=0.40)
    assert list(drawing_list_for_review().values_list("pk", flat=True)) == [said_wrong.pk, unsure.pk, confident.pk]
