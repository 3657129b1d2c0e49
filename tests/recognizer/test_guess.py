"""POST /guess: the original Flask app's contract, for its unchanged jQuery page."""

import pytest
from PIL import Image

from recognizer.models import Drawing
from tests.canvases import data_url, png_bytes, seven_png, strokes_png


@pytest.mark.django_db
def test_guess_answers_like_the_original_app_and_stores_the_drawing(client):
    # The original page: a 200x200 canvas with black strokes on a transparent background.
    png = strokes_png([[(40, 40), (160, 40), (80, 170)]], size=(200, 200), width=14,
                      ink=(0, 0, 0, 255), background=(0, 0, 0, 0), mode="RGBA")
    response = client.post("/guess", {"imgURL": data_url(png)})
    assert response.status_code == 200
    assert response.json() == {"message": 7}
    drawing = Drawing.objects.get()
    assert drawing.source == Drawing.Source.GUESS and drawing.owner is None and drawing.visitor_id == ""


@pytest.mark.django_db
def test_guess_needs_no_csrf_token(client):
    client = type(client)(enforce_csrf_checks=True)
    assert client.post("/guess", {"imgURL": data_url(seven_png())}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, status",
    [({}, 400), ({"imgURL": ""}, 400), ({"imgURL": "hello"}, 400),
     ({"imgURL": data_url(png_bytes(Image.new("RGB", (50, 50), "white")))}, 422)],
)
def test_guess_bad_input_is_a_json_4xx(client, data, status):
    response = client.post("/guess", data)
    assert response.status_code == status
    assert response.json()["error"]
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_guess_wrong_method(client):
    response = client.get("/guess")
    assert response.status_code == 405 and response["Allow"] == "POST" and response.json()["error"]


@pytest.mark.django_db
def test_guess_body_over_the_limit(client, settings):
    response = client.post("/guess", {"imgURL": "data:image/png;base64," + "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    assert response.status_code == 413


@pytest.mark.django_db
@pytest.mark.parametrize("body, content_type", [
    ("&".join(f"f{i}=x" for i in range(1200)), "application/x-www-form-urlencoded"),  # over DATA_UPLOAD_MAX_NUMBER_FIELDS
    ("--b\r\nContent-Disposition: form-data; name=\"imgURL\"\r\n\r\nabc", "multipart/form-data; boundary=b"),  # never closed
    ("--b\r\nno headers at all\r\n--b--\r\n", "multipart/form-data"),  # no boundary in the header
    ("x", "multipart/form-data; boundary="),
])
def test_unreadable_form_bodies_get_a_json_400(client, body, content_type):
    response = client.generic("POST", "/guess", body.encode(), content_type=content_type)
    assert response.status_code == 400 and response["Content-Type"] == "application/json", response.content[:200]
    assert response.json()["error"]
    assert not Drawing.objects.exists()
