"""While the answer is on its way the page says it is thinking (aria-busy on the answer region);
when it fails the page says so in words, keeps the drawing, and Try again sends the same numbered
update, which the server stores at most once."""

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing, Prediction
from tests.e2e.canvas_states import DRAWING_PUT, assert_axe_passes, puts_only
from tests.e2e.test_canvas_drawing import draw_seven

pytestmark = pytest.mark.e2e


def test_a_slow_answer_shows_thinking_and_the_region_is_busy_until_it_arrives(desktop_page):
    page = desktop_page
    held = []
    page.route(DRAWING_PUT, puts_only(held.append))
    page.goto("/")
    expect(page.locator("#result")).not_to_have_attribute("aria-busy", "true")
    draw_seven(page)
    expect(page.locator("#result")).to_have_attribute("aria-busy", "true")
    expect(page.locator("#status")).to_have_text("Thinking…")  # shown once the answer is 150 ms late
    assert_axe_passes(page)
    held[0].continue_()
    expect(page.locator("#digit")).to_have_text("7")
    expect(page.locator("#result")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#status")).to_have_text("")


def test_a_quick_answer_never_flashes_thinking(desktop_page):
    page = desktop_page
    page.goto("/")
    page.evaluate("""() => { window.sawThinking = false;
        new MutationObserver(() => { if (document.getElementById('status').textContent.includes('Thinking')) window.sawThinking = true; })
          .observe(document.getElementById('status'), {childList: true, characterData: true, subtree: true}); }""")
    page.route(DRAWING_PUT, puts_only(lambda route: route.continue_()))
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")
    answer_ms = int(page.locator("#pad").get_attribute("data-answer-ms"))
    if answer_ms < 120:  # a busy machine may really be slow; then thinking was right to show
        assert page.evaluate("window.sawThinking") is False


def test_network_failure_says_so_keeps_the_drawing_and_try_again_stores_it_once(desktop_page):
    page = desktop_page
    sent = []

    def lose_the_answer(route):
        # The update reaches the server and is stored, but its answer never comes back.
        sent.append(route.request.post_data_json)
        route.fetch()
        route.abort("connectionreset")

    page.route(DRAWING_PUT, puts_only(lose_the_answer))
    page.goto("/")
    draw_seven(page)
    status = page.locator("#status")
    expect(status).to_contain_text("Couldn't reach the server")
    expect(status).to_contain_text("Your drawing is kept")
    expect(status).not_to_contain_text("Failed to fetch")
    expect(page.locator("#result")).not_to_have_attribute("aria-busy", "true")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert_axe_passes(page)
    drawing_id = page.locator("#pad").get_attribute("data-drawing-id")
    assert drawing_id  # still the same drawing on the pad
    assert page.evaluate("document.getElementById('pad').getContext('2d').getImageData(0, 0, 600, 600).data.some(v => v < 100)")

    page.unroute(DRAWING_PUT)
    page.route(DRAWING_PUT, puts_only(lambda route: (sent.append(route.request.post_data_json), route.continue_())))
    page.get_by_role("button", name="Try again").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "result"  # focus not dropped to <body> as it hides
    expect(page.locator("#digit")).to_have_text("7")
    expect(page.get_by_role("button", name="Try again")).to_be_hidden()
    expect(status).to_have_text("")
    # Every send was the same update: one drawing, one answer, despite three requests.
    assert len(sent) == 3 and {s["sequence"] for s in sent} == {1}
    assert {s["image"] for s in sent} == {sent[0]["image"]}
    drawing = Drawing.objects.get()
    assert str(drawing.id) == drawing_id and drawing.sequence == 1
    assert Prediction.objects.filter(drawing=drawing).count() == 1


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (503, {}, "Predictions are unavailable right now. Your drawing is kept: try again in a moment."),
    (429, {"Retry-After": "7"}, "Too many drawings in a short time. Your drawing is kept: try again in 7 s."),
    (500, {}, "The server had a problem answering. Your drawing is kept: try again."),
])
def test_server_errors_are_said_plainly(desktop_page, status, headers, expected):
    page = desktop_page
    page.route(DRAWING_PUT, puts_only(lambda route: route.fulfill(
        status=status, headers=headers, content_type="application/json", body='{"error": "raw server words"}')))
    page.goto("/")
    draw_seven(page)
    expect(page.locator("#status")).to_have_text(expected)
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert Drawing.objects.count() == 0
