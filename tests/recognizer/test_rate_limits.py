"""Predictions, /guess, sign-up and log-in are rate limited per IP and per user: 429 + Retry-After."""

import pytest

from recognizer.models import Drawing
from tests.canvases import data_url, seven_png


@pytest.fixture(autouse=True)
def limiter_clock_stands_still(monkeypatch):
    """django-ratelimit counts in fixed windows, each ending at a second of the minute set by the key
    (crc32 % 60). A test's requests that straddle that second would start a fresh window and pass: within
    a test the limiter's clock stands still, so its requests share one window, as a quick client's do."""
    import time
    import types

    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


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


def log_in(client, path, username="alice", password="wrong", ip="127.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", password="a-long-password-9")


@pytest.mark.django_db
def test_admin_login_is_limited_too_and_refuses_even_the_right_password(client, settings, staff):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "3/m"}
    assert [log_in(client, "/admin/login/", "root").status_code for _ in range(3)] == [200] * 3
    response = log_in(client, "/admin/login/", "root", "a-long-password-9")
    assert response.status_code == 429 and response["Retry-After"]
    assert "Too many log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still not in


@pytest.mark.django_db
def test_site_and_admin_logins_share_one_limit_per_username_across_ips(client, settings, staff):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": "2/m"}
    log_in(client, "/accounts/login/", "root", ip="10.0.0.1")
    log_in(client, "/admin/login/", "root", ip="10.0.0.2")
    response = log_in(client, "/accounts/login/", "root", "a-long-password-9", ip="10.0.0.3")
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # Another username from a fresh address is not affected.
    assert log_in(client, "/accounts/login/", "alice", ip="10.0.0.4").status_code == 200


@pytest.mark.django_db
def test_password_reset_is_limited_and_sends_mail_by_the_configured_backend(client, settings, mailoutbox):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("carol", email="carol@example.org", password="a-long-password-4")
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset": "2/h"}
    for _ in range(2):
        assert client.post("/accounts/password_reset/", {"email": "carol@example.org"}).status_code == 302
    assert len(mailoutbox) == 2 and "password" in mailoutbox[0].body.lower()
    response = client.post("/accounts/password_reset/", {"email": "carol@example.org"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429 and "Too many password reset requests" in response.content.decode()
    assert len(mailoutbox) == 2


def test_email_is_console_by_default_and_smtp_when_configured():
    import subprocess
    import sys

    code = ("import django;django.setup();from django.conf import settings as s;"
            "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)")
    base = {"DJANGO_SETTINGS_MODULE": "digitsite.settings", "PATH": "/usr/bin:/bin"}
    default = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, check=True)
    assert default.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"
    smtp = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={
        **base, "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "2525", "EMAIL_USE_TLS": "0",
        "DEFAULT_FROM_EMAIL": "digits@example.org"})
    assert smtp.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "smtp.example.org", "2525", "False",
                                   "digits@example.org"]


# X-Forwarded-For: only the entry the trusted proxy appended counts; the client writes the rest.
@pytest.mark.django_db
def test_spoofed_forwarded_for_does_not_escape_the_limit_behind_one_proxy(client, settings):
    import uuid

    settings.TRUST_X_FORWARDED_FOR = True  # the older setting's name, for the code before TRUSTED_PROXY_COUNT
    settings.TRUSTED_PROXY_COUNT = 1
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "predict": "2/m"}

    def spoofed(real_ip):
        fake = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
        # The proxy (REMOTE_ADDR 192.0.2.1) appended the real client's address to what it was sent.
        return client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json",
                           REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"{fake}, {real_ip}")

    assert [spoofed("198.51.100.7").status_code for _ in range(3)] == [201, 201, 429]
    assert spoofed("198.51.100.8").status_code == 201  # another real client has its own counter


def test_client_ip_counts_trusted_proxies_from_the_right(rf, settings):
    from recognizer.ratelimit import client_ip

    request = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5, 192.0.2.9")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "192.0.2.1"  # the header is ignored unless a proxy is trusted
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "192.0.2.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 5  # fewer entries than proxies: the leftmost, as DRF's NUM_PROXIES
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="1.2.3.4, not-an-ip")) == "192.0.2.1"


@pytest.mark.django_db
def test_limits_count_in_a_shared_redis_cache(client, settings):
    import uuid

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": settings.REDIS_URL, "KEY_PREFIX": f"test-{uuid.uuid4()}"}}
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "predict": "1/m"}
    assert predict(client).status_code == 201
    assert predict(client).status_code == 429


# A cache (Redis) outage: the limits fail open, logged and counted in /healthz; nothing answers 500.
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def cache_down(settings):
    from recognizer.ratelimit import fail_open

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS,
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    settings.RATE_LIMITS = {scope: "1/m" for scope in settings.RATE_LIMITS}  # would refuse the second request
    fail_open.reset()
    yield lambda: fail_open.count
    fail_open.reset()  # the next test's cache is up: ask it again at once


@pytest.mark.django_db
def test_cache_down_every_limited_request_still_works(client, user, cache_down, caplog, mailoutbox):
    import logging

    with caplog.at_level(logging.WARNING, logger="recognizer.ratelimit"):
        assert [predict(client).status_code for _ in range(2)] == [201, 201]
        assert [predict(client, preview=True).status_code for _ in range(2)] == [200, 200]
        assert [client.post("/guess", {"imgURL": data_url(seven_png())}).status_code for _ in range(2)] == [200, 200]
        assert log_in(client, "/accounts/login/").status_code == 200  # wrong password: the form, not a 500
        assert log_in(client, "/accounts/login/", password="a-long-password-1").status_code == 302
        client.logout()
        signup = {"username": "dave", "password1": "a-long-password-5", "password2": "a-long-password-5"}
        assert client.post("/accounts/signup/", signup).status_code == 302
        client.logout()
        assert client.post("/accounts/password_reset/", {"email": "x@example.org"}).status_code == 302
    assert cache_down() >= 8
    assert any("rate-limit cache unavailable" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db
def test_cache_down_admin_login_works_and_healthz_reports_it_without_the_address(client, cache_down, staff):
    assert log_in(client, "/admin/login/", "root", "a-long-password-9").status_code == 302
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"
    limits = response.json()["checks"]["rate_limits"]
    assert limits["ok"] is False and limits["fail_open_requests"] >= 1
    assert "127.0.0.1:1" not in response.content.decode()


@pytest.mark.django_db
def test_after_a_cache_failure_the_cache_is_left_alone_for_a_few_seconds(client, cache_down, monkeypatch):
    """A Redis that times out instead of refusing would otherwise cost every request its timeout."""
    import recognizer.ratelimit as ratelimit

    calls = []
    real = ratelimit.get_usage
    monkeypatch.setattr(ratelimit, "get_usage", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
    assert [predict(client).status_code for _ in range(5)] == [201] * 5
    assert len(calls) == 1 and cache_down() == 5  # one try, then four requests let through without one
    monkeypatch.setattr(ratelimit.fail_open, "skip_cache_until", 0.0)  # the rest is over: try again
    predict(client)
    assert len(calls) == 2
