"""The keyboard review endpoints give the page everything it shows: how many are left, how many of
those were skipped, after every decision and undo (issue 20, item 4)."""

import pytest
from django.urls import reverse

from recognizer.services.drawings import drawing_create_with_prediction
from tests.canvases import seven_png

NEXT = reverse("admin:recognizer_drawing_review_next")


def decide(client, drawing, **body):
    url = reverse("admin:recognizer_drawing_review_decide", args=[drawing["id"]])
    return client.post(url, {**body, "expected_version": drawing["label_version"]}, content_type="application/json").json()


@pytest.mark.django_db
def test_counts_follow_every_decision_skip_and_undo(reviewer_client):
    for _ in range(2):
        drawing_create_with_prediction(image=seven_png())
    first = reviewer_client.get(NEXT).json()
    assert first["remaining"] == 2 and first["skipped"] == 0
    skipped = reviewer_client.get(NEXT + f"?skip={first['drawing']['id']}").json()
    assert skipped["remaining"] == 2 and skipped["skipped"] == 1 and skipped["drawing"]["id"] != first["drawing"]["id"]
    decided = decide(reviewer_client, skipped["drawing"], label=7)
    assert decided["remaining"] == 1
    only_skipped = reviewer_client.get(NEXT + f"?skip={first['drawing']['id']}").json()
    assert only_skipped == {"drawing": None, "remaining": 1, "skipped": 1}
    undone = decide(reviewer_client, decided["drawing"], unreview=True)
    assert undone["remaining"] == 2 and undone["drawing"]["review_status"] == "unreviewed"
