"""A reviewer works through the queue with the keyboard in real Chromium, with undo."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from recognizer.models import Drawing, LabelChange
from recognizer.services.drawings import drawing_create_with_prediction
from tests.canvases import seven_png
from tests.e2e.helpers import log_in

pytestmark = pytest.mark.e2e


def test_keyboard_review_with_undo(desktop_page, django_user_model, screenshot):
    reviewer = django_user_model.objects.create_user("rita", password="x-long-password-7", is_staff=True)
    reviewer.groups.add(Group.objects.get_or_create(name="Reviewers")[0])
    from django.contrib.auth.models import Permission

    reviewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_drawing", "review_drawing"]))
    for _ in range(3):
        drawing_create_with_prediction(image=seven_png())
    page = desktop_page
    log_in(page, "rita", "x-long-password-7")
    page.goto("/admin/recognizer/drawing/review/")

    remaining = page.locator("#review-remaining")
    expect(remaining).to_have_text("3 left to review")
    expect(page.locator("#review-predicted")).to_contain_text("7")
    screenshot(page, "admin-review-keyboard")
    page.keyboard.press("1")  # relabel the first as a 1
    expect(remaining).to_have_text("2 left to review")
    page.keyboard.press("Enter")  # confirm the second (a 7)
    expect(remaining).to_have_text("1 left to review")
    page.keyboard.press("u")  # undo the confirmation
    expect(page.locator("#review-log li").first).to_contain_text("undone")
    page.keyboard.press("x")  # reject it instead
    expect(remaining).to_have_text("1 left to review")
    page.keyboard.press("Enter")
    expect(page.locator("#review-done")).to_be_visible()
    # The end state says one thing: no count left over, no decided card still on screen.
    expect(page.locator("#review-done-text")).to_have_text("Nothing left to review. Well done.")
    expect(page.locator("#review-card")).to_be_hidden()
    expect(remaining).to_have_text("")
    # Screen readers hear the end state once, from the same text (a polite live region).
    expect(page.locator("#review-announce")).to_have_text("Nothing left to review. Well done.")
    assert page.locator("#review-announce").get_attribute("aria-live") == "polite"
    expect(page.locator("#review-undo")).to_be_enabled()
    assert page.locator(".review-digit:enabled").count() == 0
    screenshot(page, "admin-review-done")

    statuses = sorted(Drawing.objects.values_list("review_status", "label"), key=str)
    assert statuses == sorted([("relabeled", 1), ("rejected", None), ("confirmed", 7)], key=str)
    assert LabelChange.objects.filter(kind="review", changed_by=reviewer).count() == 5
