"""PUT /api/drawings/{id} (the page's drawing, updated at every pen-up and Undo), DELETE (withdraw),
and GET with its strokes and answer history; POST /api/predictions keeps working and takes strokes."""

import json
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from recognizer.models import Drawing, Prediction
from tests.canvases import FOUR_IN_TWO_STROKES, data_url, pen_strokes, seven_png, strokes_png

pytestmark = pytest.mark.django_db


def browser():
    """An anonymous browser: the canvas page gave it its session (and visitor id)."""
    client = Client()
    client.get("/")
    return client


def put(client, drawing_id, polylines, sequence, **body):
    payload = {"image": data_url(strokes_png(polylines)), "strokes": pen_strokes(polylines), "sequence": sequence,
               **body}
    return client.put(f"/api/drawings/{drawing_id}", json.dumps(payload), content_type="application/json")


def test_a_four_in_two_strokes_is_one_drawing_with_its_strokes_and_history():
    client, drawing_id = browser(), uuid.uuid4()
    first = put(client, drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    assert first.status_code == 201, first.content
    final = put(client, drawing_id, FOUR_IN_TWO_STROKES, 2)
    assert final.status_code == 200, final.content
    body = final.json()
    assert body["id"] == str(drawing_id) and body["digit"] == 4 and body["sequence"] == 2
    assert body["stroke_count"] == 2 and body["input_image"].startswith("data:image/png")
    assert "predict;dur=" in final["Server-Timing"]

    detail = client.get(f"/api/drawings/{drawing_id}").json()
    assert detail["strokes"] == pen_strokes(FOUR_IN_TWO_STROKES)  # the round trip, number for number
    assert [(h["stroke_count"], h["is_final"]) for h in detail["history"]] == [(1, False), (2, True)]
    assert detail["history"][0]["digit"] == first.json()["digit"] != 4 and detail["history"][1]["digit"] == 4
    listed = client.get("/api/drawings").json()
    assert listed["count"] == 1 and listed["results"][0]["digit"] == 4
    assert Drawing.objects.count() == 1 and Prediction.objects.count() == 2


def test_a_retry_answers_the_same_and_stores_nothing_more():
    client, drawing_id = browser(), uuid.uuid4()
    put(client, drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    answer = put(client, drawing_id, FOUR_IN_TWO_STROKES, 2).json()
    retry = put(client, drawing_id, FOUR_IN_TWO_STROKES, 2)
    late = put(client, drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    assert retry.status_code == late.status_code == 200
    assert {k: v for k, v in retry.json().items()} == answer
    assert late.json()["sequence"] == 2 and late.json()["digit"] == 4
    assert Prediction.objects.count() == 2


def test_someone_elses_drawing_is_not_found(alice_client):
    owner, drawing_id = browser(), uuid.uuid4()
    put(owner, drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    for stranger in (browser(), Client(), alice_client):
        for response in (put(stranger, drawing_id, FOUR_IN_TWO_STROKES, 2),
                         stranger.delete(f"/api/drawings/{drawing_id}"),
                         stranger.get(f"/api/drawings/{drawing_id}")):
            assert response.status_code == 404 and response.json() == {"error": "no such drawing"}
    assert Drawing.objects.get().sequence == 1


def test_a_settled_drawing_is_a_409_with_a_message(settings, user):
    client = browser()
    reviewed, old = uuid.uuid4(), uuid.uuid4()
    put(client, reviewed, FOUR_IN_TWO_STROKES, 1)
    put(client, old, FOUR_IN_TWO_STROKES, 1)
    Drawing.objects.filter(pk=reviewed).update(review_status=Drawing.Review.CONFIRMED, label=4)
    Drawing.objects.filter(pk=old).update(
        created_at=timezone.now() - timedelta(seconds=settings.DRAWING_EDIT_WINDOW_SECONDS + 1))
    for drawing_id, message in ((reviewed, "reviewed"), (old, "seconds old")):
        for response in (put(client, drawing_id, FOUR_IN_TWO_STROKES[:1], 2), client.delete(f"/api/drawings/{drawing_id}")):
            assert response.status_code == 409
            assert message in response.json()["error"]
    assert not Drawing.objects.filter(sequence=2).exists()


def test_undo_to_an_empty_canvas_withdraws_the_drawing():
    client, drawing_id = browser(), uuid.uuid4()
    put(client, drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    assert client.delete(f"/api/drawings/{drawing_id}").status_code == 204
    assert client.delete(f"/api/drawings/{drawing_id}").status_code == 204  # idempotent
    assert client.get(f"/api/drawings/{drawing_id}").status_code == 404
    assert client.get("/api/drawings").json()["count"] == 0
    late = put(client, drawing_id, FOUR_IN_TWO_STROKES, 2)
    assert late.status_code == 409 and "withdrawn" in late.json()["error"]
    assert Drawing.objects.get().is_withdrawn


@pytest.mark.parametrize(
    "change, status, message",
    [
        (lambda s: {**s, "strokes": s["strokes"] * 40}, 413, "at most 64 strokes"),
        (lambda s: {**s, "strokes": [{**s["strokes"][0], **{k: [1.0] * 4001 for k in "xyt"}, "pressure": [0.5] * 4001}]},
         413, "at most 4000 points"),
        (lambda s: {**s, "canvas_height": 100}, 422, "must be the same"),
        (lambda s: {**s, "strokes": [{**s["strokes"][0], "x": [-5.0] + s["strokes"][0]["x"][1:]}]}, 422, "outside"),
        (lambda s: {**s, "strokes": [{**s["strokes"][0], "pointer_type": "finger"}]}, 422, "pointer_type"),
        (lambda s: {**s, "strokes": [{**s["strokes"][0], "t": ["soon"] * len(s["strokes"][0]["t"])}]}, 422, "t"),
        (lambda s: {**s, "strokes": None}, 422, "strokes"),
    ],
)
def test_bad_strokes_are_a_json_4xx_and_store_nothing(change, status, message):
    client = browser()
    strokes = change(pen_strokes(FOUR_IN_TWO_STROKES))
    body = {"image": data_url(strokes_png(FOUR_IN_TWO_STROKES)), "strokes": strokes, "sequence": 1}
    for url, method in ((f"/api/drawings/{uuid.uuid4()}", client.put), ("/api/predictions", client.post)):
        response = method(url, json.dumps(body), content_type="application/json")
        assert response.status_code == status, response.content
        assert message in response.json()["error"]
    assert not Drawing.objects.exists() and not Prediction.objects.exists()


def test_non_finite_numbers_are_refused():
    """Python's JSON parser reads NaN and Infinity; they must not reach the database."""
    client = browser()
    strokes = pen_strokes(FOUR_IN_TWO_STROKES)
    strokes["strokes"][0]["x"][3] = float("nan")
    body = json.dumps({"image": data_url(strokes_png(FOUR_IN_TWO_STROKES)), "strokes": strokes, "sequence": 1})
    assert "NaN" in body
    response = client.put(f"/api/drawings/{uuid.uuid4()}", body, content_type="application/json")
    assert response.status_code == 422 and "finite" in response.json()["error"]
    assert not Drawing.objects.exists()


def test_the_sequence_number_is_required_and_positive():
    client = browser()
    for sequence in (None, 0, -1, 2**31):
        response = put(client, uuid.uuid4(), FOUR_IN_TWO_STROKES, sequence)
        assert response.status_code == 422 and "sequence" in response.json()["error"]


def test_the_users_correction_works_on_the_final_drawing():
    client, drawing_id = browser(), uuid.uuid4()
    put(client, drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    put(client, drawing_id, FOUR_IN_TWO_STROKES, 2)
    response = client.patch(f"/api/drawings/{drawing_id}", {"label": 9}, content_type="application/json")
    assert response.status_code == 200 and response.json()["user_label"] == 9
    assert Drawing.objects.get().user_label == 9


def test_post_predictions_still_stores_one_drawing_per_request_with_or_without_strokes():
    client = browser()
    key = str(uuid.uuid4())
    with_strokes = {"image": data_url(strokes_png(FOUR_IN_TWO_STROKES)), "strokes": pen_strokes(FOUR_IN_TWO_STROKES),
                    "idempotency_key": key}
    first = client.post("/api/predictions", with_strokes, content_type="application/json")
    again = client.post("/api/predictions", with_strokes, content_type="application/json")
    plain = client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")
    assert (first.status_code, again.status_code, plain.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"] and first.json()["stroke_count"] == 2
    assert client.get(f"/api/drawings/{first.json()['id']}").json()["strokes"] == pen_strokes(FOUR_IN_TWO_STROKES)
    old = client.get(f"/api/drawings/{plain.json()['id']}").json()
    assert old["strokes"] is None and old["stroke_count"] == 0 and len(old["history"]) == 1
    assert Drawing.objects.count() == 2


def test_the_openapi_schema_documents_strokes_and_the_new_operations(client):
    schema = client.get("/api/openapi.json").json()
    operations = schema["paths"]["/api/drawings/{drawing_id}"]
    assert {"get", "put", "patch", "delete"} <= set(operations)
    detail = schema["components"]["schemas"]["DrawingDetailOut"]["properties"]
    assert {"strokes", "history"} <= set(detail)
    stroke = schema["components"]["schemas"]["StrokeSchema"]["properties"]
    assert set(stroke) == {"pointer_type", "x", "y", "t", "pressure"}
