"""POST /api/predictions: predicts with the shipped model and stores drawing + prediction."""

import base64
import io
import uuid

import pytest
from PIL import Image

from ml.data import load_mnist
from recognizer.models import Drawing, LabelChange, Prediction
from tests.canvases import MNIST_DIR, data_url, mnist_digit_png, one_png, png_bytes, seven_png
from tests.helpers import SHIPPED


URL = "/api/predictions"


def post(client, body, **extra):
    return client.post(URL, body, content_type="application/json", **extra)


@pytest.mark.django_db
def test_prediction_is_answered_and_stored(client):
    response = post(client, {"image": data_url(seven_png())})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["digit"] == 7
    assert len(body["probabilities"]) == 10 and abs(sum(body["probabilities"]) - 1) < 1e-3
    assert body["confidence"] == max(body["probabilities"])
    assert body["model_version"] == SHIPPED
    assert body["input_image"].startswith("data:image/png;base64,")

    drawing = Drawing.objects.get(pk=body["id"])
    assert (drawing.canvas_width, drawing.canvas_height) == (280, 280)
    assert bytes(drawing.image_png) == seven_png()
    assert drawing.pixels_array().shape == (28, 28)
    prediction = Prediction.objects.get(drawing=drawing)
    assert prediction.digit == 7 and prediction.model_version.is_active
    assert prediction.latency_ms > 0  # recorded; how fast is for the benchmarks (bench/), not a unit test


@pytest.mark.django_db
@pytest.mark.parametrize("index", range(0, 40))
def test_mnist_test_digits_survive_the_canvas_round_trip(client, index):
    test = load_mnist(MNIST_DIR, "test")
    response = post(client, {"image": data_url(mnist_digit_png(test.images[index], black_on_white=index % 2 == 0))})
    assert response.status_code == 201
    assert response.json()["digit"] == test.labels[index]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, status, message",
    [
        ({}, 422, "image"),
        ({"image": 5}, 422, "image"),
        ({"image": "not a data url"}, 400, "data URL"),
        ({"image": "data:image/png;base64,!!!"}, 400, "base64"),
        ({"image": "data:image/png;base64," + base64.b64encode(b"GIF89a").decode()}, 400, "not a PNG"),
        ({"image": data_url(png_bytes(Image.new("RGB", (200, 200), "white")))}, 422, "blank"),
        ({"image": data_url(png_bytes(Image.new("L", (2001, 50))))}, 413, "2001x50"),
        ({"image": data_url(one_png()), "idempotency_key": "nope"}, 422, "idempotency_key"),
    ],
)
def test_bad_input_is_a_json_4xx_and_stores_nothing(client, body, status, message):
    response = post(client, body)
    assert response.status_code == status, response.content
    assert message in response.json()["error"]
    assert not Drawing.objects.exists() and not Prediction.objects.exists()


@pytest.mark.django_db
def test_image_over_one_megabyte_is_refused(client):
    noise = Image.frombytes("RGB", (1000, 1000), bytes(range(256)) * 11718 + bytes(792))
    big = io.BytesIO()
    noise.save(big, format="PNG", compress_level=0)
    assert len(big.getvalue()) > 1_000_000
    response = post(client, {"image": data_url(big.getvalue())})
    assert response.status_code == 413
    assert "error" in response.json()
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_malformed_json_and_wrong_method_are_json_errors(client):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code in (400, 422) and "error" in response.json()
    response = client.get(URL)
    assert response.status_code == 405
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_retry_with_the_same_idempotency_key_stores_once(client):
    key = str(uuid.uuid4())
    first = post(client, {"image": data_url(seven_png()), "idempotency_key": key})
    again = post(client, {"image": data_url(seven_png()), "idempotency_key": key})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Drawing.objects.count() == 1 and Prediction.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_is_answered_from_the_stored_drawing_even_if_this_attempt_could_not_be(client, settings):
    from recognizer.models import ModelVersion

    settings.MODEL_ACTIVE_CHECK_SECONDS = 0  # see the deactivation below at once
    key = str(uuid.uuid4())
    first = post(client, {"image": data_url(seven_png()), "idempotency_key": key})
    not_a_png = post(client, {"image": "data:image/png;base64,bm90IGEgcG5n", "idempotency_key": key})
    ModelVersion.objects.update(is_active=False)
    no_model = post(client, {"image": data_url(seven_png()), "idempotency_key": key})
    assert (first.status_code, not_a_png.status_code, no_model.status_code) == (201, 200, 200)
    assert first.json()["id"] == not_a_png.json()["id"] == no_model.json()["id"]
    assert post(client, {"image": data_url(seven_png()), "idempotency_key": str(uuid.uuid4())}).status_code == 503
    assert Drawing.objects.count() == 1 and Prediction.objects.count() == 1


@pytest.mark.django_db
def test_server_timing_header_says_how_long_the_prediction_took(client):
    response = post(client, {"image": data_url(seven_png())})
    timings = dict(metric.strip().split(";dur=") for metric in response["Server-Timing"].split(","))
    assert set(timings) == {"predict", "app"}
    assert 0 < float(timings["predict"]) <= float(timings["app"])
    preview = post(client, {"image": data_url(seven_png()), "preview": True})
    assert preview["Server-Timing"].startswith("predict;dur=")
    assert client.get("/healthz")["Server-Timing"].startswith("app;dur=")


@pytest.mark.django_db
def test_someone_elses_idempotency_key_is_a_conflict(client, alice_client, django_user_model):
    key = str(uuid.uuid4())
    assert post(alice_client, {"image": data_url(seven_png()), "idempotency_key": key}).status_code == 201
    alice_client.logout()
    response = post(client, {"image": data_url(seven_png()), "idempotency_key": key})
    assert response.status_code == 409
    assert Drawing.objects.count() == 1


@pytest.mark.django_db
def test_signed_in_drawings_belong_to_the_user(alice_client, user):
    response = post(alice_client, {"image": data_url(one_png())})
    assert Drawing.objects.get(pk=response.json()["id"]).owner == user


@pytest.mark.django_db
def test_browser_session_writes_need_the_csrf_token(client):
    client = type(client)(enforce_csrf_checks=True)
    client.get("/")  # the canvas page sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    assert post(client, {"image": data_url(seven_png())}).status_code == 403
    response = post(client, {"image": data_url(seven_png())}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    # The anonymous browser has a session (since the page), and the drawing belongs to its visitor id.
    drawing = Drawing.objects.get()
    assert drawing.owner is None and drawing.visitor_id == client.session["visitor_id"]
    assert drawing.visitor_id != client.session.session_key


@pytest.mark.django_db
def test_label_correction_is_stored_and_audited(alice_client, user):
    drawing_id = post(alice_client, {"image": data_url(one_png())}).json()["id"]
    response = alice_client.patch(f"/api/drawings/{drawing_id}", {"label": 7}, content_type="application/json")
    assert response.status_code == 200 and response.json()["user_label"] == 7
    change = LabelChange.objects.get()
    assert (change.old_label, change.new_label, change.changed_by) == (None, 7, user)
    for bad in ({"label": 10}, {"label": -1}, {"label": "seven"}, {}):
        response = alice_client.patch(f"/api/drawings/{drawing_id}", bad, content_type="application/json")
        assert response.status_code == 422 and "error" in response.json()
    assert Drawing.objects.get().user_label == 7 and LabelChange.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_writes_must_be_json(client, content_type):
    import json

    response = client.post(URL, json.dumps({"image": data_url(seven_png())}), content_type=content_type)
    assert response.status_code == 415 and "application/json" in response.json()["error"]
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_routing_errors_are_json_too(client):
    response = client.generic("DELETE", URL)
    assert response.status_code == 405 and response.json()["error"] == "method not allowed" and "POST" in response["Allow"]
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404 and response.json()["error"]
    for path in ("/api/drawings/not-a-uuid", "/api/drawings?page=abc"):
        response = client.get(path)
        assert response.status_code == 422 and response.json()["error"].startswith("invalid request")


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["sessionid", "csrftoken"])
def test_forged_cookies_are_ignored_not_a_database_error(client, cookie):
    client.cookies[cookie] = "abc\x00def'; DROP TABLE x; --"
    response = post(client, {"image": data_url(seven_png())})
    assert response.status_code == 201
    assert client.get("/api/drawings").status_code == 200
