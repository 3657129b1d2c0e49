"""The canvas on a phone (touch strokes, no scrolling), high-DPI, live answers, accessibility,
and no request leaving the site."""

import json

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.helpers import axe_violations, draw_seven, touch_stroke

pytestmark = pytest.mark.e2e


def test_finger_drawing_on_a_phone_does_not_scroll_and_gets_an_answer(phone_page, screenshot):
    page = phone_page
    page.goto("/")
    page.evaluate("""() => { window.pointerTypes = [];
        document.getElementById('pad').addEventListener('pointerdown', e => window.pointerTypes.push(e.pointerType)); }""")
    assert page.evaluate("document.documentElement.scrollHeight") > 844  # the page could scroll
    box = page.locator("#pad").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    # A 7 drawn bottom-up at the end: a finger moving up on a scrollable page would scroll it.
    touch_stroke(page, [(x + 0.25 * w, y + 0.2 * h), (x + 0.75 * w, y + 0.2 * h), (x + 0.42 * w, y + 0.85 * h)])
    expect(page.locator("#digit")).to_have_text("7")
    touch_stroke(page, [(x + 0.5 * w, y + 0.9 * h), (x + 0.5 * w, y + 0.1 * h)])
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("window.pointerTypes") == ["touch", "touch"]
    screenshot(page, "canvas-phone-touch")
    # High DPI: the bitmap is 3x for crisp lines, but the server gets CSS-pixel canvases.
    assert page.evaluate("document.getElementById('pad').width") == round(w * 3)
    expect(page.locator("#digit")).not_to_have_text("?")
    assert {(d.canvas_width, d.canvas_height) for d in Drawing.objects.all()} == {(round(w), round(h))}


def test_live_answer_while_drawing_and_answer_time(desktop_page):
    page = desktop_page
    page.goto("/")
    draw_seven(page, lift=False)
    expect(page.locator("#digit")).to_have_text("7")  # answered before the pen lifts
    assert Drawing.objects.count() == 0  # live guesses are not stored
    page.mouse.up()
    expect(page.locator("#answer-time")).to_contain_text("answered in")
    answer_ms = int(page.locator("#pad").get_attribute("data-answer-ms"))
    print(f"pen up -> answer shown: {answer_ms} ms")
    assert Drawing.objects.count() == 1


def test_no_request_leaves_the_site(desktop_page, live_server):
    page = desktop_page
    urls = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto("/")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    page.goto("/drawings/")
    page.goto("/accounts/signup/")
    assert urls and all(url.startswith(live_server.url) for url in urls), [u for u in urls if not u.startswith(live_server.url)]


@pytest.mark.parametrize("path", ["/", "/drawings/", "/accounts/login/", "/accounts/signup/"])
def test_pages_pass_axe_accessibility_checks(desktop_page, path):
    page = desktop_page
    page.goto(path)
    if path == "/":
        draw_seven(page)
        expect(page.locator("#digit")).to_have_text("7")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)


def test_controls_work_from_the_keyboard_with_visible_focus(desktop_page):
    page = desktop_page
    page.goto("/")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    page.locator("#undo").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement, ':focus-visible').outlineStyle")
    page.keyboard.press("Tab")  # Undo -> Clear
    assert page.evaluate("document.activeElement.id") == "clear"
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#digit")).to_have_text("?")
