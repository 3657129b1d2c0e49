"""Sign-up and log-in in real Chromium: styled like the rest of the site on a desktop and a 360-px
phone, an optional email, axe passing, and no 404 on any page (the favicon) (issue 20, item 8)."""

import json

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.e2e.helpers import axe_violations, log_in

pytestmark = pytest.mark.e2e


def styled_like_the_site(page):
    card = page.locator(".auth-card")
    expect(card).to_be_visible()
    width = page.viewport_size["width"]  # not innerWidth, which a mobile browser widens to fit an overflowing page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for field in page.locator(".field input").all():
        box = field.bounding_box()
        assert box["height"] >= 44 and box["x"] + box["width"] <= width  # touch-sized, never off screen
    submit = page.locator("button[type=submit].primary")
    accent = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()")
    background = submit.evaluate("b => getComputedStyle(b).backgroundColor")
    probe = page.evaluate(f"(() => {{ const e = document.createElement('i'); e.style.color = '{accent}'; "
                          "document.body.append(e); const c = getComputedStyle(e).color; e.remove(); return c; })()")
    assert background == probe  # the site's accent colour, not the browser's grey button


@pytest.mark.parametrize("viewport", ["desktop_page", "small_phone"])
def test_sign_up_with_an_optional_email_then_log_in(request, viewport, screenshot):
    page = request.getfixturevalue(viewport)
    missing = []
    page.on("response", lambda response: response.status == 404 and missing.append(response.url))
    name = "desktop" if viewport == "desktop_page" else "phone-360"
    page.goto("/accounts/signup/")
    styled_like_the_site(page)
    expect(page.get_by_label("Email (optional)")).to_have_attribute("type", "email")
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password", exact=True).fill("a-long-password-3")
    page.get_by_label("Password confirmation").fill("nope")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-invalid .errorlist")).to_contain_text("didn’t match")
    screenshot(page, f"signup-errors-{name}")
    assert axe_violations(page) == []
    page.get_by_label("Password", exact=True).fill("a-long-password-3")
    page.get_by_label("Password confirmation").fill("a-long-password-3")
    page.get_by_label("Email (optional)").fill("carol@example.org")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Log out carol")).to_be_visible()
    assert get_user_model().objects.get(username="carol").email == "carol@example.org"

    page.get_by_role("button", name="Log out carol").click()
    page.goto("/accounts/login/")
    styled_like_the_site(page)
    screenshot(page, f"login-{name}")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    page.get_by_label("Username").fill("carol")
    page.get_by_label("Password").fill("a-long-password-3")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out carol")).to_be_visible()
    assert missing == []  # no favicon 404 (or any other)


def test_admin_pages_have_the_icon_and_no_404(desktop_page, django_user_model):
    django_user_model.objects.create_superuser("root", password="x-long-password-9")
    page = desktop_page
    missing = []
    page.on("response", lambda response: response.status == 404 and missing.append(response.url))
    log_in(page, "root", "x-long-password-9")
    for path in ("/admin/", "/admin/recognizer/drawing/", "/admin/recognizer/trainingjob/"):
        page.goto(path)
        icon = page.locator("link[rel=icon]").first.get_attribute("href")
        assert page.request.get(icon).ok
    assert page.request.get("/favicon.ico").ok
    assert missing == []
