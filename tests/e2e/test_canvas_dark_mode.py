"""Dark mode: the system's scheme by default, a header toggle that is remembered; the pad swaps ink
and paper on screen while the PNG sent stays dark ink on white paper (what the model expects)."""

import base64
import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.canvas_states import assert_axe_passes, new_page
from tests.e2e.test_canvas_drawing import draw_seven

pytestmark = pytest.mark.e2e

BODY_BACKGROUND = "getComputedStyle(document.body).backgroundColor"
PAD_CORNER = "Array.from(document.getElementById('pad').getContext('2d').getImageData(2, 2, 1, 1).data.slice(0, 3))"


def luminance(rgb) -> float:
    return sum(rgb) / 3


def png_of(data_url: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L")


def test_the_page_and_the_pad_follow_a_dark_system_scheme_but_send_a_light_png(browser, live_server):
    page = new_page(browser, live_server, color_scheme="dark")
    sent = []
    page.on("request", lambda request: sent.append(request.post_data_json) if request.method == "PUT" else None)
    page.goto("/")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(BODY_BACKGROUND) == "rgb(18, 20, 23)"
    assert luminance(page.evaluate(PAD_CORNER)) < 60  # dark paper on screen
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    box = page.locator("#pad").bounding_box()
    ink = page.evaluate(f"Array.from(document.getElementById('pad').getContext('2d').getImageData("
                        f"{round(0.5 * box['width'] * 1)}, {round(0.2 * box['height'])}, 1, 1).data.slice(0, 3))")
    assert luminance(ink) > 180  # light ink on screen (the dpr is 1 here)
    image = png_of(sent[-1]["image"])
    assert image.getpixel((2, 2)) == 255  # the PNG: white paper...
    assert image.getpixel((round(0.5 * box["width"]), round(0.2 * box["height"]))) < 60  # ...and dark ink
    assert Drawing.objects.get().prediction.digit == 7
    assert_axe_passes(page)
    page.context.close()


def test_the_toggle_switches_the_scheme_and_is_remembered(browser, live_server):
    page = new_page(browser, live_server, color_scheme="light")
    page.goto("/")
    toggle = page.get_by_role("button", name="Dark mode")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(BODY_BACKGROUND) == "rgb(246, 247, 249)"
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(BODY_BACKGROUND) == "rgb(18, 20, 23)"
    assert luminance(page.evaluate(PAD_CORNER)) < 60  # the drawing on the pad is redrawn dark
    page.goto("/drawings/")  # remembered on every page, before the first paint
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    expect(page.get_by_role("button", name="Dark mode")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Dark mode").click()  # and back: light even on a dark system
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert page.evaluate(BODY_BACKGROUND) == "rgb(246, 247, 249)"
    page.context.close()


def test_the_scheme_is_set_before_the_first_paint(browser, live_server):
    """theme.js runs in <head>: the body's first style is already dark (no white flash)."""
    page = new_page(browser, live_server, color_scheme="light")
    page.goto("/")
    page.evaluate("localStorage.setItem('digitsite-theme', 'dark')")
    # Recorded the moment <body> is parsed, before any deferred script or first paint.
    page.add_init_script("""new MutationObserver((records, observer) => { if (document.body) {
            window.bodyTheme = document.documentElement.dataset.theme || 'none';
            window.bodyBackground = getComputedStyle(document.body).backgroundColor; observer.disconnect(); } })
          .observe(document, {childList: true, subtree: true});""")
    page.reload()
    assert page.evaluate("window.bodyTheme") == "dark"
    assert page.evaluate("window.bodyBackground") == "rgb(18, 20, 23)"
    page.context.close()


@pytest.mark.parametrize("path", ["/drawings/", "/accounts/login/", "/accounts/signup/", "/accounts/password_reset/"])
def test_the_other_pages_pass_axe_in_the_dark(browser, live_server, path):
    page = new_page(browser, live_server, color_scheme="dark")
    page.goto(path)
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(BODY_BACKGROUND) == "rgb(18, 20, 23)"
    assert_axe_passes(page)
    page.context.close()
