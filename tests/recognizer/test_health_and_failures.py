"""/healthz, and failures that must not become 500s: Redis down, model refused, database down."""

import json
import logging
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from recognizer.services.model_versions import model_version_register
from recognizer.services.predictors import predictor_forget
from tests.canvases import data_url, seven_png
from tests.helpers import SHIPPED, free_port

pytestmark = pytest.mark.usefixtures("fresh_predictor")  # each test starts as a new web process would


BASE_DIR = Path(__file__).resolve().parent.parent.parent


def predict(client):
    return client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")



@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["checks"]["model"]["serving"] == SHIPPED
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


@pytest.mark.django_db
def test_redis_down_predictions_still_work_and_healthz_says_degraded(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert predict(client).status_code == 201
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    assert "training jobs cannot be queued" in response.json()["checks"]["redis"]["error"]


@pytest.mark.django_db
def test_corrupt_active_model_is_refused_reported_and_the_previous_keeps_serving(client, model_dir):
    broken = model_dir.copy("broken")
    assert predict(client).json()["model_version"] == SHIPPED  # this process now serves the shipped model
    model_version_register(artifact_dir=broken, activate=True)
    (broken / "model.tflite").write_bytes(b"corrupt")
    assert predict(client).json()["model_version"] == SHIPPED
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and "refused" in body["checks"]["model"]["warning"]

    predictor_forget()  # a fresh process has nothing to fall back on
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "down"
    assert predict(client).status_code == 503


@pytest.mark.django_db
def test_each_request_is_logged_with_latency_and_model_version(client, caplog):
    with caplog.at_level(logging.INFO, logger="digitsite.requests"):
        predict(client)
    line = json.loads([r.getMessage() for r in caplog.records if r.name == "digitsite.requests"][-1])
    assert line["path"] == "/api/predictions" and line["status"] == 201
    assert line["model_version"] == SHIPPED and line["ms"] > 0


@pytest.fixture
def server_without_database(tmp_path):
    """The real site in its own process, with its database unreachable (nothing on port 1)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "DJANGO_SETTINGS_MODULE": "digitsite.settings"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "digitsite.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
                               cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            break
        except urllib.error.HTTPError:  # any HTTP answer means it is up
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # TimeoutError: up, but slow to start
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=10)


def fetch(url, data=None, content_type="application/json", headers=None):
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_database_down_is_a_503_not_a_traceback(server_without_database):
    url = server_without_database
    status, headers, body = fetch(url + "/healthz")
    assert status == 503 and json.loads(body)["checks"]["database"]["ok"] is False
    status, headers, body = fetch(url + "/api/predictions", json.dumps({"image": data_url(seven_png())}).encode())
    assert status == 503 and "database is unavailable" in json.loads(body)["error"] and headers["Retry-After"]
    status, headers, body = fetch(url + "/guess", f"imgURL={data_url(seven_png())}".replace("+", "%2B").encode(),
                                  "application/x-www-form-urlencoded")
    assert status == 503 and json.loads(body)["error"]
    status, headers, body = fetch(url + "/")
    assert status == 503 and b"Traceback" not in body and b"unavailable" in body


def test_database_down_with_a_session_cookie_is_still_a_503(server_without_database):
    """A browser that has a session: its user is loaded from the database, lazily, by whatever
    touches request.user first (the view, or the request log after the view answered)."""
    url = server_without_database
    cookie = {"Cookie": "sessionid=" + "a1b2c3d4e5" * 3 + "xy; csrftoken=" + "Q" * 32, "X-CSRFToken": "Q" * 32}
    image = json.dumps({"image": data_url(seven_png())}).encode()
    for path, data, content_type in [
        ("/api/predictions", image, "application/json"),
        ("/api/drawings", None, "application/json"),
        ("/healthz", None, "application/json"),
        ("/guess", f"imgURL={data_url(seven_png())}".replace("+", "%2B").encode(), "application/x-www-form-urlencoded"),
    ]:
        status, headers, body = fetch(url + path, data, content_type, cookie)
        assert status == 503, (path, status, body[:200])
        assert headers["Content-Type"] == "application/json" and json.loads(body)["error" if path != "/healthz" else "status"]
    for path in ("/", "/drawings/", "/admin/", "/accounts/login/"):
        status, headers, body = fetch(url + path, headers=cookie)
        assert status == 503 and b"unavailable" in body, (path, status, body[:200])


@pytest.mark.django_db
def test_a_nul_byte_in_an_admin_filter_is_bad_input_not_an_outage(admin_client):
    from django.db import connection

    response = admin_client.get("/admin/recognizer/drawing/?review_status__exact=%00")
    # PostgreSQL refuses NUL in text (a DataError): 400. SQLite compares it and finds nothing.
    assert response.status_code == (400 if connection.vendor == "postgresql" else 200)
    assert b"unavailable" not in response.content


def run_check_deploy(**env):
    # Only what production would have: not the test-only DJANGO_ALLOW_ASYNC_UNSAFE the browser tests set.
    unset = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=BASE_DIR,
                          env={**environment, "DJANGO_SETTINGS_MODULE": "digitsite.settings", **env},
                          capture_output=True, text=True)


def test_production_settings_pass_check_deploy():
    result = run_check_deploy(DEBUG="0", ALLOWED_HOSTS="digitsite.example.org",
                              SECRET_KEY="k3y-" + "x7Qz9pL2mN4vB8cR1tY6uI0oP5aS3dF" * 2)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_check_deploy(DEBUG="0", ALLOWED_HOSTS="digitsite.example.org")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_public_healthz_and_503s_do_not_show_addresses_paths_or_hashes(client, admin_client, settings, model_dir):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    broken = model_dir.copy("broken")
    predict(client)  # this process serves the shipped model
    version = model_version_register(artifact_dir=broken, activate=True)
    (broken / "model.tflite").write_bytes(b"corrupt")
    secrets = ("127.0.0.1:1", str(model_dir.path), version.sha256, "tflite")

    body = client.get("/healthz").content.decode()
    assert json.loads(body)["status"] == "degraded"
    assert not [secret for secret in secrets if secret in body], body
    staff_view = admin_client.get("/healthz").json()["checks"]  # staff see what failed and where
    assert "127.0.0.1" in staff_view["redis"]["detail"] and str(broken) in staff_view["model"]["detail"]

    predictor_forget()  # a fresh process: the broken model is all there is
    for response in (client.get("/healthz"), predict(client),
                     client.post("/guess", {"imgURL": data_url(seven_png())})):
        assert response.status_code == 503
        assert not [secret for secret in secrets if secret in response.content.decode()], response.content


@pytest.mark.django_db
def test_database_errors_raised_in_middleware_are_503s_too(client, monkeypatch):
    """Not every query runs in a view: the session is saved on the way out, after the view."""
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.db import OperationalError

    def lost_connection(self, request, response):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionMiddleware, "process_response", lost_connection)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 503 and "database is unavailable" in response.json()["error"]
    response = client.get("/")
    assert response.status_code == 503 and b"unavailable" in response.content
    response = client.get("/api/drawings")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_a_refused_model_is_not_fetched_again_on_every_request(client, model_dir, monkeypatch, fresh_predictor):
    """A refused artifact is tried again only after REFUSED_RETRY_SECONDS: with an object store
    each try is a download, made under the lock while other requests wait."""
    from recognizer.services import artifacts, predictors

    assert predict(client).json()["model_version"] == SHIPPED
    broken = model_dir.copy("broken")
    model_version_register(artifact_dir=broken, activate=True)
    (broken / "model.tflite").write_bytes(b"corrupt")
    tries = []
    monkeypatch.setattr(predictors, "artifact_local_dir",
                        lambda **kwargs: tries.append(kwargs) or artifacts.artifact_local_dir(**kwargs))
    predictors.predictor_recheck_active()
    for _ in range(5):
        assert predict(client).json()["model_version"] == SHIPPED
        assert "refused" in client.get("/healthz").json()["checks"]["model"]["warning"]
    assert len(tries) == 1  # one try for five predictions and five health checks
    monkeypatch.setattr(predictors, "REFUSED_RETRY_SECONDS", 0.0)  # the back-off has passed
    assert predict(client).json()["model_version"] == SHIPPED and len(tries) == 2
