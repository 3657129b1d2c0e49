"""Every page sends a Content-Security-Policy that allows scripts from this origin only (plus the
per-request nonce) and a Permissions-Policy, and every page still satisfies it: no inline script
without the nonce, nothing loaded from another origin."""

import re

import pytest

from recognizer.models import Drawing, ModelVersion, TrainingJob
from tests.canvases import data_url, seven_png

PUBLIC_PAGES = ["/", "/drawings/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/",
                "/admin/login/", "/api/docs"]


def staff_pages():
    drawing = Drawing.objects.first()
    version = ModelVersion.objects.first()
    job = TrainingJob.objects.create(config={})
    return ["/admin/", "/admin/recognizer/drawing/", f"/admin/recognizer/drawing/{drawing.pk}/change/",
            "/admin/recognizer/drawing/review/", "/admin/recognizer/drawing/stats/",
            "/admin/recognizer/trainingjob/", "/admin/recognizer/trainingjob/launch/",
            f"/admin/recognizer/trainingjob/{job.pk}/change/", "/admin/recognizer/modelversion/",
            f"/admin/recognizer/modelversion/{version.pk}/change/"]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def assert_page_obeys_its_policy(response, path):
    assert response.status_code == 200, path
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    script_src = directives["script-src"]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    nonces = [source[len("'nonce-"):-1] for source in script_src if source.startswith("'nonce-")]
    assert set(script_src) - {f"'nonce-{n}'" for n in nonces} == {"'self'"}, path
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    html = response.content.decode()
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        assert any(f'nonce="{n}"' in tag for n in nonces), f"{path}: inline script without the nonce: {tag}"
    for url in re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="([^"]+)"', html):
        assert not re.match(r"(https?:)?//", url), f"{path} loads {url} from another origin"
    assert not re.search(r"<style\b", html), f"{path} has a <style> element, which the policy refuses"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_public_pages_send_and_obey_a_strict_policy(client):
    client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")
    for path in PUBLIC_PAGES:
        assert_page_obeys_its_policy(client.get(path), path)


@pytest.mark.django_db
def test_admin_pages_obey_it_too(admin_client):
    admin_client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")
    for path in staff_pages():
        assert_page_obeys_its_policy(admin_client.get(path), path)


@pytest.mark.django_db
def test_each_response_gets_a_fresh_nonce(client):
    first, second = (policy(client.get("/"))["script-src"] for _ in range(2))
    assert first != second


@pytest.mark.django_db
def test_json_answers_carry_the_headers_as_well(client):
    response = client.get("/healthz")
    assert "default-src 'self'" in response["Content-Security-Policy"] and response["Permissions-Policy"]
