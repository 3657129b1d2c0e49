"""The admin drawing page carries the strokes for its replay (as JSON data, not a script), the
drawing's answer history, and withdrawn drawings are not in the review queue."""

import json
import re
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from recognizer.services.drawing_updates import drawing_put, drawing_withdraw
from recognizer.services.drawings import drawing_create_with_prediction
from tests.canvases import FOUR_IN_TWO_STROKES, pen_strokes, seven_png, strokes_png

pytestmark = pytest.mark.django_db


def four(drawing_id=None):
    drawing_id = drawing_id or uuid.uuid4()
    for sequence, polylines in ((1, FOUR_IN_TWO_STROKES[:1]), (2, FOUR_IN_TWO_STROKES)):
        drawing, _ = drawing_put(drawing_id=drawing_id, image=strokes_png(polylines), strokes=pen_strokes(polylines),
                                 sequence=sequence, owner=AnonymousUser(), visitor_id="v")
    return drawing


def test_the_drawing_page_replays_its_strokes_from_static_code(reviewer_client):
    drawing = four()
    html = reviewer_client.get(reverse("admin:recognizer_drawing_change", args=[drawing.pk])).content.decode()
    data = re.search(rf'<script id="strokes-{drawing.pk}" type="application/json">(.*?)</script>', html, re.S)
    assert data and json.loads(data.group(1)) == pen_strokes(FOUR_IN_TWO_STROKES)
    assert 'data-strokes-id="strokes-' in html and "/static/js/admin-stroke-replay.js" in html
    executable = [tag for tag in re.findall(r"<script\b[^>]*>", html) if "application/json" not in tag]
    assert executable and all("src=" in tag for tag in executable)  # no inline code (CSP 'self')
    first, final = drawing.predictions.order_by("created_at")
    assert f"{first.digit} ({first.confidence:.0%}) after 1 stroke, then 4 ({final.confidence:.0%}) after 2 strokes" in html


def test_a_drawing_without_strokes_says_so(reviewer_client):
    drawing, _ = drawing_create_with_prediction(image=seven_png())
    html = reviewer_client.get(reverse("admin:recognizer_drawing_change", args=[drawing.pk])).content.decode()
    assert "stored without strokes" in html and 'type="application/json"' not in html


def test_withdrawn_drawings_are_not_in_the_review_queue(reviewer_client):
    kept, withdrawn = four(), four()
    drawing_withdraw(drawing_id=withdrawn.pk, visitor_id="v")
    html = reviewer_client.get(reverse("admin:recognizer_drawing_changelist")).content.decode()
    assert str(kept.pk) in html and str(withdrawn.pk) not in html
    queue = reviewer_client.get(reverse("admin:recognizer_drawing_review_next")).json()
    assert queue["remaining"] == 1 and queue["drawing"]["id"] == str(kept.pk)
