"""The verdict contract: every answer says "digit", "unsure" or "not_a_digit", in the API, the
stored prediction and the OpenAPI schema; `digit`, `probabilities` and /guess stay as they were.
It runs with the shipped model serving (digitsite-v5, with a "not a digit" class); one test checks
a ten-class model's verdicts too."""

import pytest

from recognizer.models import Drawing, LabelChange, ModelVersion, Prediction
from tests.canvases import data_url, one_png, seven_png, strokes_png
from tests.helpers import SHIPPED

VERDICTS = {"digit", "unsure", "not_a_digit"}


@pytest.fixture(autouse=True)
def shipped_model_with_a_not_a_digit_class(db):
    active = ModelVersion.objects.get(is_active=True)
    assert active.name == SHIPPED and active.metadata["labels"][-1] == "not_a_digit"


def post(client, body):
    return client.post("/api/predictions", body, content_type="application/json")


def tap_png() -> bytes:
    """A single tap of the page's pen on its 280 px canvas: what used to be "0, 100 % sure"."""
    return strokes_png([[(140, 150), (140, 150)]], size=(280, 280), width=20)


def star_png() -> bytes:
    points = [(140, 30), (205, 240), (35, 110), (245, 110), (75, 240), (140, 30)]
    return strokes_png([points], size=(280, 280), width=20)


@pytest.mark.django_db
def test_a_stored_prediction_carries_its_verdict(alice_client):
    client = alice_client
    response = post(client, {"image": data_url(seven_png())})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verdict"] == "digit" and body["digit"] == 7
    assert len(body["probabilities"]) == 10 and abs(sum(body["probabilities"]) - 1) < 1e-3
    assert Prediction.objects.get(drawing_id=body["id"]).verdict == "digit"
    detail = client.get(f"/api/drawings/{body['id']}").json()
    assert detail["verdict"] == "digit" and detail["user_says_not_a_digit"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("png", [tap_png, star_png], ids=["tap", "star"])
def test_what_is_no_digit_is_not_called_one(client, png):
    body = post(client, {"image": data_url(png())}).json()
    assert body["verdict"] in VERDICTS - {"digit"}, body
    assert Prediction.objects.get(drawing_id=body["id"]).verdict == body["verdict"]
    assert len(body["probabilities"]) == 10 and 0 <= body["digit"] <= 9  # still the best digit guess


@pytest.mark.django_db
def test_a_preview_carries_the_verdict_and_stores_nothing(client):
    body = post(client, {"image": data_url(tap_png()), "preview": True}).json()
    assert body["verdict"] in VERDICTS - {"digit"}
    assert set(body) == {"digit", "confidence", "probabilities", "verdict", "model_version"}
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_predictions_stored_before_verdicts_have_none(alice_client):
    client = alice_client
    drawing_id = post(client, {"image": data_url(one_png())}).json()["id"]
    Prediction.objects.filter(drawing_id=drawing_id).update(verdict=None)  # as migration 0011 leaves old rows
    assert client.get(f"/api/drawings/{drawing_id}").json()["verdict"] is None
    assert client.get("/api/drawings").json()["results"][0]["verdict"] is None


@pytest.mark.django_db
def test_the_user_can_say_it_is_not_a_digit(alice_client, user):
    drawing_id = post(alice_client, {"image": data_url(tap_png())}).json()["id"]
    url = f"/api/drawings/{drawing_id}"
    body = alice_client.patch(url, {"label": "not_a_digit"}, content_type="application/json").json()
    assert body["user_says_not_a_digit"] is True and body["user_label"] is None
    drawing = Drawing.objects.get()
    assert drawing.user_says_not_a_digit and drawing.user_label is None
    change = LabelChange.objects.get()
    assert (change.new_label, change.new_status, change.changed_by) == (None, "not_a_digit", user)
    # Saying it again changes nothing; a digit replaces it; a nonsense label is a 422.
    alice_client.patch(url, {"label": "not_a_digit"}, content_type="application/json")
    assert LabelChange.objects.count() == 1
    body = alice_client.patch(url, {"label": 3}, content_type="application/json").json()
    assert body["user_says_not_a_digit"] is False and body["user_label"] == 3
    response = alice_client.patch(url, {"label": "not_a_letter"}, content_type="application/json")
    assert response.status_code == 422 and "error" in response.json()
    assert LabelChange.objects.count() == 2


@pytest.mark.django_db
def test_a_ten_class_model_says_digit_or_unsure(client):
    ModelVersion.objects.filter(is_active=True).update(is_active=False)
    ModelVersion.objects.filter(name="digitsite-v3").update(is_active=True)
    body = post(client, {"image": data_url(seven_png())}).json()
    assert body["model_version"] == "digitsite-v3" and body["verdict"] in {"digit", "unsure"}


@pytest.mark.django_db
def test_guess_still_answers_only_the_digit(client):
    response = client.post("/guess", {"imgURL": data_url(tap_png())})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message"} and isinstance(body["message"], int)


@pytest.mark.django_db
def test_the_schema_documents_the_verdict(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("DrawingOut", "PreviewOut"):
        verdict = schemas[name]["properties"]["verdict"]
        enums = [option.get("enum") for option in verdict.get("anyOf", [verdict])] + [verdict.get("enum")]
        assert ["digit", "unsure", "not_a_digit"] in enums, verdict
        assert "verdict" in schemas[name]["required"]
    label = str(schemas["LabelIn"]["properties"]["label"])
    assert "not_a_digit" in label
