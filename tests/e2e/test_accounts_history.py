"""Sign up, draw, see it in My drawings; another account sees none of it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import draw_seven, sign_up

pytestmark = pytest.mark.e2e


def test_each_user_sees_only_their_own_history(desktop_page, screenshot):
    page = desktop_page
    sign_up(page, "carol")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    page.get_by_role("button", name="It was a 1").click()
    expect(page.locator("#status")).to_contain_text("Saved as a 1")
    page.get_by_role("link", name="My drawings").click()
    expect(page.locator(".drawing")).to_have_count(1)
    expect(page.locator(".drawing")).to_contain_text("you said 1")
    expect(page.locator(".stats")).to_contain_text("right on 0 of your 1 drawings")
    screenshot(page, "my-drawings")

    page.get_by_role("button", name="Log out carol").click()
    sign_up(page, "dave")
    page.get_by_role("link", name="My drawings").click()
    expect(page.get_by_text("No drawings yet")).to_be_visible()

    page.get_by_role("button", name="Log out dave").click()
    page.goto("/accounts/login/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", "a-long-password-42")
    page.get_by_role("button", name="Log in").click()
    page.goto("/drawings/")
    expect(page.locator(".drawing")).to_have_count(1)
