"""Draw a digit with the mouse in real Chromium; the prediction appears and is stored."""

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.helpers import draw_seven

pytestmark = pytest.mark.e2e


def test_mouse_drawing_gets_a_prediction_and_is_stored(desktop_page, screenshot):
    page = desktop_page
    page.goto("/")
    expect(page.locator("#digit")).to_have_text("?")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    expect(page.locator("#bars li.top")).to_have_attribute("data-digit", "7")
    expect(page.locator("#preview")).to_be_visible()
    screenshot(page, "canvas-desktop-prediction")

    drawing = Drawing.objects.get()
    assert drawing.prediction.digit == 7 and drawing.visitor_id and drawing.owner is None


def test_correction_clear_and_undo(desktop_page):
    page = desktop_page
    page.goto("/")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    page.get_by_role("button", name="It was a 1").click()
    expect(page.locator("#status")).to_contain_text("Saved as a 1")
    assert Drawing.objects.get().user_label == 1

    page.get_by_role("button", name="Undo").click()
    expect(page.locator("#digit")).to_have_text("?")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#digit")).to_have_text("?")
    assert Drawing.objects.count() == 2
