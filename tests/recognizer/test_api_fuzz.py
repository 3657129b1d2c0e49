"""Schemathesis drives every API operation from the project's own OpenAPI schema with generated
requests (valid and invalid): none may answer 5xx."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from digitsite.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the WSGI app directly fires request_finished, whose handler closes the database
    connection that holds the test's transaction; Django's own test client disconnects it too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_api_operation_answers_5xx(case):
    response = case.call()
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"


@pytest.mark.django_db
def test_undecodable_png_errors_carry_no_memory_addresses(client):
    import base64

    not_quite_png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDX" + b"\x00" * 40  # Pillow cannot identify it
    image = "data:image/png;base64," + base64.b64encode(not_quite_png).decode()
    api = client.post("/api/predictions", {"image": image}, content_type="application/json")
    guess = client.post("/guess", {"imgURL": image})
    for response in (api, guess):
        assert response.status_code == 400 and "could not be decoded" in response.json()["error"]
        assert " at 0x" not in response.content.decode() and "BytesIO" not in response.content.decode()
