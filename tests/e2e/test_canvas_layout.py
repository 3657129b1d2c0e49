"""The answer and the correction next to the canvas on 390- and 360-px phones (no scroll after
drawing), the correction laid out 5 + 5 and never moved by the first answer, toggle buttons that
say they are pressed, and one announcement per stored answer."""

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.canvas_states import new_page
from tests.e2e.test_canvas_drawing import draw_seven
from tests.e2e.test_phone_and_accessibility import touch_stroke

pytestmark = pytest.mark.e2e


def boxes(page, selector):
    return page.evaluate(f"""Array.from(document.querySelectorAll({selector!r})).map(e => {{
        const r = e.getBoundingClientRect(); return {{x: r.x, y: r.y, bottom: r.bottom, right: r.right}}; }})""")


def draw_seven_by_touch(page):
    box = page.locator("#pad").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    touch_stroke(page, [(x + 0.25 * w, y + 0.2 * h), (x + 0.75 * w, y + 0.2 * h), (x + 0.42 * w, y + 0.85 * h)])


@pytest.mark.parametrize("viewport", ["phone390", "phone360"])
def test_on_a_phone_the_answer_and_every_correction_are_on_screen_after_drawing(browser, live_server, viewport):
    page = new_page(browser, live_server, viewport)
    page.goto("/")
    height = page.viewport_size["height"]
    draw_seven_by_touch(page)
    expect(page.locator("#digit")).to_have_text("7")
    expect(page.locator("#announcement")).to_contain_text("It's a 7")  # the stored answer, not a live guess
    assert page.evaluate("window.scrollY") == 0
    assert boxes(page, "#digit")[0]["bottom"] <= height
    corrections = boxes(page, "#correction button")
    assert len(corrections) == 11
    assert all(b["bottom"] <= height and b["right"] <= page.viewport_size["width"] for b in corrections), corrections
    # The first touch after touch_stroke's raw DevTools touch sequence never becomes a click in
    # headless Chromium, wherever it lands (a gesture-detector artefact of that helper; later taps
    # and Playwright's own taps do click): spend it on the hint text, which does nothing.
    page.locator(".hint").tap()
    page.get_by_role("button", name="It was a 1").tap()  # one tap, no scroll
    expect(page.locator("#status")).to_contain_text("Saved as a 1")
    assert Drawing.objects.get().user_label == 1
    page.context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone390", "phone360"])
def test_corrections_are_five_and_five_and_do_not_move_on_the_first_answer(browser, live_server, viewport):
    page = new_page(browser, live_server, viewport)
    page.goto("/")
    before = boxes(page, "#correction button")
    digits = before[:10]
    assert len({round(b["y"]) for b in digits[:5]}) == 1 and len({round(b["y"]) for b in digits[5:]}) == 1
    assert digits[5]["y"] > digits[0]["y"]
    assert [round(b["x"]) for b in digits[:5]] == [round(b["x"]) for b in digits[5:]]
    assert before[10]["y"] > digits[5]["y"]  # "Not a digit" under them
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    expect(page.locator("#preview")).to_be_visible()
    assert boxes(page, "#correction button") == before
    page.context.close()


def test_correction_buttons_say_which_one_is_pressed(desktop_page):
    page = desktop_page
    page.goto("/")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    buttons = page.locator("#correction button")
    assert [buttons.nth(i).get_attribute("aria-pressed") for i in range(11)] == ["false"] * 11
    page.get_by_role("button", name="It was a 1").click()
    expect(page.get_by_role("button", name="It was a 1")).to_have_attribute("aria-pressed", "true")
    assert [buttons.nth(i).get_attribute("aria-pressed") for i in range(11)].count("true") == 1
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("button", name="It was a 1")).to_have_attribute("aria-pressed", "false")


def test_the_answer_is_announced_once_not_at_every_bar_change(desktop_page):
    page = desktop_page
    page.goto("/")
    page.evaluate("""() => { window.announced = [];
        const region = document.getElementById('announcement');
        new MutationObserver(() => window.announced.push(region.textContent))
          .observe(region, {childList: true, characterData: true, subtree: true}); }""")
    draw_seven(page, lift=False)
    expect(page.locator("#digit")).to_have_text("7")  # the live guesses have moved the bars
    assert page.evaluate("window.announced") == []
    page.mouse.up()
    expect(page.locator("#answer-time")).to_contain_text("answered in")
    announced = page.evaluate("window.announced")
    assert len(announced) == 1 and announced[0].startswith("It's a 7, ") and announced[0].endswith("% sure.")
    # The only live regions are the announcement and the status line: the bars are in neither.
    live = page.evaluate("Array.from(document.querySelectorAll('[aria-live], [role=status], [role=alert]')).map(e => e.id)")
    assert sorted(live) == ["announcement", "status"]
