"""Every state of the canvas page (empty, thinking, answer, corrected, error, not a digit, unsure)
on a desktop and on 390- and 360-px phones, light and dark: axe finds no WCAG 2.1 AA violation in
any of them, and each is saved to test-artifacts/screenshots/canvas-<state>-<viewport>-<scheme>.png.
The in-between states are made with page.route (held, aborted, or the real answer with a verdict);
the answer itself comes from the real server."""

import pytest
from playwright.sync_api import expect

from tests.e2e.canvas_states import DRAWING_PUT, answer_with, assert_axe_passes, new_page
from tests.e2e.test_canvas_drawing import draw_seven
from tests.e2e.test_canvas_layout import draw_seven_by_touch

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone390", "phone360"])
def test_every_canvas_state_passes_axe_and_is_photographed(browser, live_server, screenshot, viewport, scheme):
    page = new_page(browser, live_server, viewport, color_scheme=scheme)
    mode = {"put": "real"}
    held = []

    def route(route):
        if route.request.method != "PUT" or mode["put"] == "real":
            route.continue_()
        elif mode["put"] == "hold":
            held.append(route)
        elif mode["put"] == "abort":
            route.abort("internetdisconnected")
        else:
            answer_with(route, verdict=mode["put"])

    page.route(DRAWING_PUT, route)
    draw = draw_seven if viewport == "desktop" else draw_seven_by_touch
    digit, status, result = page.locator("#digit"), page.locator("#status"), page.locator("#result")

    def state(name):
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        assert_axe_passes(page)
        screenshot(page, f"canvas-{name}-{viewport}-{scheme}")

    def redraw():
        page.get_by_role("button", name="Clear").click()
        expect(digit).to_have_text("?")
        draw(page)

    page.goto("/")
    state("empty")

    mode["put"] = "hold"
    draw(page)
    expect(status).to_have_text("Thinking…")
    expect(result).to_have_attribute("aria-busy", "true")
    state("thinking")
    mode["put"] = "real"
    held[0].continue_()
    expect(digit).to_have_text("7")
    expect(result).not_to_have_attribute("aria-busy", "true")
    state("answer")

    page.get_by_role("button", name="It was a 1").click()
    expect(status).to_contain_text("Saved as a 1")
    expect(page.get_by_role("button", name="It was a 1")).to_have_attribute("aria-pressed", "true")
    state("corrected")

    mode["put"] = "abort"
    redraw()
    expect(status).to_contain_text("Your drawing is kept")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    state("error")

    mode["put"] = "not_a_digit"
    redraw()
    expect(page.locator("#confidence")).to_have_text("That doesn't look like a digit")
    expect(digit).to_have_text("–")
    expect(page.locator("#announcement")).to_have_text("That doesn't look like a digit.")
    state("not-a-digit")

    mode["put"] = "unsure"
    redraw()
    expect(page.locator("#confidence")).to_contain_text("Not sure — a 7 or a ")
    state("unsure")
    page.context.close()
