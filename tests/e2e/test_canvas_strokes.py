"""Multi-stroke digits drawn in real Chromium, with the mouse and with a finger: each digit is one
stored drawing however many strokes and Undos it took, its strokes come back from the API exactly
as the page sent them, with the answer after each pen-up in its history, and the admin replays them."""

import json

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.helpers import arc, curve, draw_stroke, line, log_in

pytestmark = pytest.mark.e2e

# (name, strokes in a unit digit box with y down, Undos at the end, strokes kept); the digits are
# 4, 5, 7 and 1, in this order.
DIGITS = [
    ("4 in two strokes", [line((0.3, 0.0), (0.16, 0.62), (0.86, 0.6)), line((0.68, 0.2), (0.66, 1.0))], 0, 2),
    ("5 with its top bar last",
     [line((0.3, 0.02), (0.24, 0.44)) + arc(0.47, 0.7, 0.32, 0.28, 125, -150), line((0.3, 0.02), (0.8, 0.02))], 0, 2),
    ("7 with a crossbar",
     [line((0.14, 0.04), (0.86, 0.02)) + curve((0.86, 0.02), (0.6, 0.4), (0.42, 1.0)), line((0.4, 0.5), (0.82, 0.5))],
     0, 2),
    ("1 then an Undo of a stray base", [line((0.42, 0.08), (0.56, 0.0), (0.5, 1.0)), line((0.2, 0.98), (0.8, 0.98))],
     1, 1),
]
PLACEMENT = (0.15, 0.12, 0.76)  # the digit box's left, top and size, as shares of the canvas


def is_update(request):
    return request.method == "PUT" and "/api/drawings/" in request.url


def draw_digit(page, strokes, undos, touch):
    """Draw the strokes (a person's pause between them), then Undo `undos` times; returns the
    last update the page sent and the answer it got."""
    box = page.locator("#pad").bounding_box()
    left, top, size = PLACEMENT
    for i, stroke in enumerate(strokes):
        if i:
            page.wait_for_timeout(150)
        points = [(box["x"] + (left + x * size) * box["width"], box["y"] + (top + y * size) * box["height"])
                  for x, y in stroke]
        with page.expect_request(is_update) as sent:
            draw_stroke(page, points, touch)
    for _ in range(undos):
        page.wait_for_timeout(150)
        with page.expect_request(is_update) as sent:
            page.get_by_role("button", name="Undo").click()
    response = sent.value.response()
    assert response.ok, response.text()
    answer = response.json()
    expect(page.locator("#digit")).to_have_text(str(answer["digit"]))
    return json.loads(sent.value.post_data), answer


def draw_and_withdraw(page, touch):
    """A stroke undone straight away: the drawing is withdrawn."""
    box = page.locator("#pad").bounding_box()
    with page.expect_response(lambda r: r.request.method == "DELETE") as withdrawn:
        with page.expect_request(is_update):
            draw_stroke(page, [(box["x"] + 0.3 * box["width"], box["y"] + 0.5 * box["height"]),
                               (box["x"] + 0.7 * box["width"], box["y"] + 0.5 * box["height"])], touch)
        page.get_by_role("button", name="Undo").click()
    assert withdrawn.value.status == 204
    expect(page.locator("#digit")).to_have_text("?")


def draw_all(page, touch):
    page.goto("/")
    sent = []
    for name, strokes, undos, kept in DIGITS:
        body, answer = draw_digit(page, strokes, undos, touch)
        assert len(body["strokes"]["strokes"]) == kept == answer["stroke_count"], name
        sent.append((name, body, answer))
        page.get_by_role("button", name="Clear").click()
        expect(page.locator("#digit")).to_have_text("?")
    draw_and_withdraw(page, touch)
    return sent


def check_stored(page, sent, pointer_type):
    listed = page.request.get("/api/drawings").json()
    assert listed["count"] == len(DIGITS)  # exactly one stored drawing per digit (the withdrawn one is not listed)
    assert {d["id"] for d in listed["results"]} == {answer["id"] for _, _, answer in sent}
    read = []
    for (name, body, answer), (_, strokes, undos, kept) in zip(sent, DIGITS):
        detail = page.request.get(f"/api/drawings/{answer['id']}").json()
        assert detail["strokes"] == body["strokes"], name  # the round trip, number for number
        assert {s["pointer_type"] for s in detail["strokes"]["strokes"]} == {pointer_type}
        history = detail["history"]
        assert len(history) == len(strokes) + undos and [h["is_final"] for h in history][-1] is True, name
        assert sum(h["is_final"] for h in history) == 1
        assert [h["stroke_count"] for h in history] == list(range(1, len(strokes) + 1)) + [kept] * undos
        assert detail["digit"] == history[-1]["digit"] == answer["digit"] and detail["sequence"] == len(history)
        assert all(s["t"] == sorted(s["t"]) for s in detail["strokes"]["strokes"])
        read.append(f"{name}: " + " -> ".join(str(h["digit"]) for h in history))
    return read


def check_replay(page, drawing_id, total_points, last_t):
    page.goto(f"/admin/recognizer/drawing/{drawing_id}/change/")
    replay = page.locator(".stroke-replay")
    expect(replay).to_have_attribute("data-state", "playing")  # it is an animation, not a picture
    assert int(replay.get_attribute("data-painted") or 0) < total_points
    expect(replay).to_have_attribute("data-state", "done", timeout=last_t + 10_000)
    assert int(replay.get_attribute("data-painted")) == total_points
    assert int(replay.get_attribute("data-played-ms")) >= last_t * 0.9  # at the pace it was drawn
    ink = page.evaluate("""() => { const c = document.querySelector('.stroke-replay canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; }""")
    assert ink > 500


def run(page, touch, admin_page, django_user_model, screenshot=None):
    sent = draw_all(page, touch)
    read = check_stored(page, sent, "touch" if touch else "mouse")
    print("\n" + "\n".join(read))
    assert [answer["digit"] for _, _, answer in sent] == [4, 5, 7, 1], read  # each final answer, not a fragment's
    assert Drawing.objects.filter(withdrawn_at__isnull=False).count() == 1
    assert Drawing.objects.filter(withdrawn_at__isnull=True).count() == len(DIGITS)
    django_user_model.objects.create_superuser("root", password="root-long-password-1")
    log_in(admin_page, "root", "root-long-password-1")
    _, body, answer = sent[1]  # the 5, its bar last
    strokes = body["strokes"]["strokes"]
    check_replay(admin_page, answer["id"], sum(len(s["x"]) for s in strokes), max(s["t"][-1] for s in strokes))
    if screenshot:
        screenshot(admin_page, "admin-stroke-replay")


@pytest.fixture
def admin_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    yield context.new_page()
    context.close()


def test_mouse_digits_are_one_drawing_each_with_their_strokes(desktop_page, admin_page, django_user_model, screenshot):
    run(desktop_page, False, admin_page, django_user_model, screenshot)


def test_finger_digits_are_one_drawing_each_with_their_strokes(phone_page, admin_page, django_user_model):
    run(phone_page, True, admin_page, django_user_model)
