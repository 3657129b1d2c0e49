"""The review page on phones (tap targets, fits 360 px) and its end states with skipped drawings,
with axe passing in each state (issue 20, items 2, 4 and 9)."""

import json

import pytest
from django.contrib.auth.models import Group, Permission
from playwright.sync_api import expect

from recognizer.models import Drawing
from recognizer.services.drawings import drawing_create_with_prediction
from tests.canvases import seven_png
from tests.e2e.helpers import axe_violations, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def reviewer(django_user_model):
    rita = django_user_model.objects.create_user("rita", password="x-long-password-7", is_staff=True)
    rita.groups.add(Group.objects.get_or_create(name="Reviewers")[0])
    rita.user_permissions.add(*Permission.objects.filter(codename__in=["view_drawing", "review_drawing"]))
    return rita


def fits_the_screen(page):
    width = page.viewport_size["width"]  # not innerWidth, which a mobile browser widens to fit an overflowing page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for selector in ("#review-image", "#review-input", ".review-pad", "#review-card"):
        box = page.locator(selector).bounding_box()
        if box is None:  # hidden in this state
            continue
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)


@pytest.mark.parametrize("viewport", ["small_phone", "phone_page"])
def test_review_by_tapping_on_a_phone(request, reviewer, viewport, screenshot):
    page = request.getfixturevalue(viewport)
    for _ in range(3):
        drawing_create_with_prediction(image=seven_png())
    log_in(page, "rita", "x-long-password-7")
    page.goto("/admin/recognizer/drawing/review/")
    remaining = page.locator("#review-remaining")
    expect(remaining).to_have_text("3 left to review")
    fits_the_screen(page)
    for name in [*"0123456789", "Not a digit", "Skip", "Undo"]:
        button = page.get_by_role("button", name=f"Label as {name}" if name.isdigit() else name, exact=True)
        box = button.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (name, box)  # WCAG 2.5.5 target size
    expect(page.get_by_role("button", name="Undo")).to_be_disabled()  # nothing to undo yet
    width = page.viewport_size["width"]
    screenshot(page, f"admin-review-phone-{width}")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Label as 1").tap()
    expect(remaining).to_have_text("2 left to review")
    page.get_by_role("button", name="Not a digit").tap()
    expect(remaining).to_have_text("1 left to review")
    page.get_by_role("button", name="Undo").tap()
    expect(remaining).to_have_text("2 left to review")
    expect(page.locator("#review-log li").first).to_contain_text("undone")
    page.get_by_role("button", name="Skip").tap()
    expect(remaining).to_have_text("2 left to review (1 skipped)")
    page.get_by_role("button", name="Label as 7").tap()

    # Only the skipped one is left: the page says so, once, with no card and a way back to it.
    expect(page.locator("#review-done")).to_be_visible()
    expect(page.locator("#review-done-text")).to_have_text("Nothing left to review but the 1 you skipped.")
    expect(page.locator("#review-card")).to_be_hidden()
    expect(remaining).to_have_text("")
    screenshot(page, f"admin-review-phone-{width}-skipped")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
    page.get_by_role("button", name="Review the skipped ones").tap()
    expect(remaining).to_have_text("1 left to review")
    page.get_by_role("button", name="Label as 7").tap()
    expect(page.locator("#review-done-text")).to_have_text("Nothing left to review. Well done.")
    expect(page.locator("#review-card")).to_be_hidden()
    fits_the_screen(page)
    screenshot(page, f"admin-review-phone-{width}-done")
    assert axe_violations(page) == []
    assert sorted(Drawing.objects.values_list("review_status", "label"), key=str) == \
        sorted([("relabeled", 1), ("confirmed", 7), ("confirmed", 7)], key=str)


@pytest.fixture
def dark_phone(browser, live_server):
    """A 390-px phone that prefers a dark colour scheme (the admin follows it by default)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True,
                                  is_mobile=True, color_scheme="dark", base_url=live_server.url)
    yield context.new_page()
    context.close()


def test_review_page_in_the_admin_dark_theme(dark_phone, reviewer, screenshot):
    page = dark_phone
    drawing_create_with_prediction(image=seven_png())
    log_in(page, "rita", "x-long-password-7")
    page.goto("/admin/recognizer/drawing/review/")
    expect(page.locator("#review-remaining")).to_have_text("1 left to review")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"  # the admin's dark theme is on
    button = page.get_by_role("button", name="Label as 3")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == background  # the pad follows the theme
    screenshot(page, "admin-review-phone-390-dark")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Label as 7").tap()
    expect(page.locator("#review-done-text")).to_have_text("Nothing left to review. Well done.")
    screenshot(page, "admin-review-phone-390-dark-done")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
