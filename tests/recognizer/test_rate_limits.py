"""Predictions, /guess, sign-up and log-in are rate limited per IP and per user: 429 + Retry-After."""

import pytest

from recognizer.models import Drawing
from tests.canvases import data_url, seven_png


def predict(client, ip="127.0.0.1", **body):
    return client.post("/api/predictions", {"image": data_url(seven_png()), **body}, content_type="application/json",
                       REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_predictions_over_the_limit_get_429_with_retry_after(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "predict": "3/m"}
    assert [predict(client).status_code for _ in range(3)] == [201] * 3
    response = predict(client)
    assert response.status_code == 429 and 1 <= int(response["Retry-After"]) <= 60
    assert "too many requests" in response.json()["error"]
    assert Drawing.objects.count() == 3  # the refused one stored nothing


@pytest.mark.django_db
def test_limits_are_per_ip(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "predict": "1/m"}
    assert predict(client, ip="10.0.0.1").status_code == 201
    assert predict(client, ip="10.0.0.1").status_code == 429
    assert predict(client, ip="10.0.0.2").status_code == 201


@pytest.mark.django_db
def test_limits_are_per_user_across_ips(alice_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "predict": "2/m"}
    assert predict(alice_client, ip="10.0.0.1").status_code == 201
    assert predict(alice_client, ip="10.0.0.2").status_code == 201
    assert predict(alice_client, ip="10.0.0.3").status_code == 429


@pytest.mark.django_db
def test_previews_have_their_own_limit(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "predict": "1/m", "preview": "2/m"}
    assert predict(client).status_code == 201
    assert [predict(client, preview=True).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.django_db
def test_guess_is_limited(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "guess": "1/m"}
    assert client.post("/guess", {"imgURL": data_url(seven_png())}).status_code == 200
    response = client.post("/guess", {"imgURL": data_url(seven_png())})
    assert response.status_code == 429 and response["Retry-After"] and response.json()["error"]


@pytest.mark.django_db
def test_sign_up_and_log_in_are_limited_with_a_form_error(client, settings, user):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signup": "1/h", "login": "2/m"}
    client.post("/accounts/signup/", {"username": "x1", "password1": "a-long-password-3", "password2": "a-long-password-3"})
    client.logout()
    response = client.post("/accounts/signup/", {"username": "x2", "password1": "a-long-password-3",
                                                 "password2": "a-long-password-3"})
    assert response.status_code == 429 and "Too many sign-ups" in response.content.decode()
    for _ in range(2):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "alice", "password": "a-long-password-1"})
    assert response.status_code == 429 and "Too many log-in attempts" in response.content.decode()
    assert response["Retry-After"]
