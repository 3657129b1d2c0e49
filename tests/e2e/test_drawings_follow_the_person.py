"""Drawings made anonymously in a browser follow the person into the account, at sign-up and at
log-in, and show in My drawings; nobody else's come along."""

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.helpers import draw_seven, sign_up

pytestmark = pytest.mark.e2e


def draw_sevens(page, times):
    page.goto("/")
    for _ in range(times):
        with page.expect_response(lambda r: r.request.method == "PUT" and "/api/drawings/" in r.url):
            draw_seven(page)
        expect(page.locator("#digit")).to_have_text("7")
        page.get_by_role("button", name="Clear").click()


def test_drawings_made_before_signing_up_are_in_the_new_account(desktop_page, browser, live_server):
    other = browser.new_context(base_url=live_server.url).new_page()
    draw_sevens(other, 1)  # another browser's: must not come along
    page = desktop_page
    draw_sevens(page, 2)
    page.get_by_role("link", name="My drawings").click()
    expect(page.locator(".drawing")).to_have_count(2)

    sign_up(page, "erin")
    page.get_by_role("link", name="My drawings").click()
    expect(page.locator(".drawing")).to_have_count(2)
    assert Drawing.objects.filter(owner__username="erin").count() == 2
    assert Drawing.objects.filter(owner__isnull=True).count() == 1
    other.goto("/drawings/")
    expect(other.locator(".drawing")).to_have_count(1)
    other.context.close()


def test_drawings_made_before_logging_in_are_in_the_account(desktop_page, django_user_model):
    frank = django_user_model.objects.create_user("frank", password="a-long-password-42")
    page = desktop_page
    draw_sevens(page, 1)
    page.goto("/accounts/login/")
    page.fill("#id_username", "frank")
    page.fill("#id_password", "a-long-password-42")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out frank")).to_be_visible()
    page.goto("/drawings/")
    expect(page.locator(".drawing")).to_have_count(1)
    assert Drawing.objects.get().owner == frank

    # Signed in, the next drawing is the account's from its first stroke.
    draw_sevens(page, 1)
    page.goto("/drawings/")
    expect(page.locator(".drawing")).to_have_count(2)
    assert Drawing.objects.filter(owner=frank, visitor_id="").count() == 2
