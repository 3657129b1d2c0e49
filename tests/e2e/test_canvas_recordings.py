"""All ten digits drawn through the real canvas page, recorded as a tiny real-canvas evaluation set.

Each digit is a natural pen path (smooth curves, one or two strokes) drawn with the mouse at two
placements on the desktop page, and a few with a finger on the phone. Every canvas PNG, exactly as
the server stored it, is saved to test-artifacts/canvas-recordings/<digit>-<variant>.png; the
model the site serves must read them.
"""

import math
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.helpers import arc, curve, draw_stroke, line

pytestmark = pytest.mark.e2e

RECORDINGS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "canvas-recordings"


def eight():
    """One stroke from the top: left and down, across the waist, round the bigger bottom loop, back up."""
    points = []
    for i in range(121):
        t = 2 * math.pi * i / 120
        y = 0.5 - 0.5 * math.cos(t)  # 0 at the top, 1 at the bottom
        points.append((0.5 - (0.18 + 0.12 * y) * math.sin(2 * t), y))  # the top loop is the smaller
    return points


# Each digit: a list of strokes, each a list of (x, y) in a unit digit box (y down).
DIGITS = {
    0: [arc(0.5, 0.5, 0.3, 0.48, 100, 100 + 380)],
    1: [line((0.42, 0.08), (0.56, 0.0), (0.5, 1.0))],
    2: [arc(0.5, 0.28, 0.3, 0.26, 165, -35) + line((0.72, 0.46), (0.18, 0.98), (0.86, 0.97))],
    3: [arc(0.48, 0.25, 0.27, 0.23, 150, -90) + arc(0.48, 0.73, 0.31, 0.25, 90, -145)],
    4: [line((0.3, 0.0), (0.16, 0.62), (0.86, 0.6)), line((0.68, 0.2), (0.66, 1.0))],
    5: [line((0.8, 0.02), (0.3, 0.02), (0.24, 0.44)) + arc(0.47, 0.7, 0.32, 0.28, 125, -150)],
    6: [curve((0.7, 0.0), (0.22, 0.2), (0.22, 0.72)) + arc(0.49, 0.72, 0.27, 0.26, 180, 180 + 350)],
    7: [line((0.14, 0.04), (0.86, 0.02)) + curve((0.86, 0.02), (0.6, 0.4), (0.42, 1.0))],
    8: [eight()],
    9: [arc(0.46, 0.28, 0.26, 0.26, 20, 360) + curve((0.72, 0.28), (0.72, 0.7), (0.64, 1.0))],
}

# Where the digit box goes on the canvas: its top-left and its size, as fractions of the canvas side.
PLACEMENTS = {"large": (0.15, 0.12, 0.76), "small": (0.12, 0.1, 0.38)}
PHONE_DIGITS = (0, 4, 7)


def draw(page, strokes, placement, touch=False):
    """Draw strokes at a placement with the mouse (or a finger); return the stored drawing's answer."""
    box = page.locator("#pad").bounding_box()
    left, top, size = placement
    to_page = [[(box["x"] + (left + x * size) * box["width"], box["y"] + (top + y * size) * box["height"])
                for x, y in stroke] for stroke in strokes]

    drawings_url = page.evaluate("DIGITSITE.drawingsUrl")

    def stored(request):  # the drawing stored at a pen-up, not a live guess while the pen moves
        return request.method == "PUT" and drawings_url in request.url

    for i, points in enumerate(to_page):
        if i:
            page.wait_for_timeout(150)  # a person's pause between strokes
        # The page stores the drawing as it is at every pen-up; the last one sent is the answer.
        with page.expect_request(stored) as sent:
            draw_stroke(page, points, touch)
    response = sent.value.response()
    assert response.ok, response.text()
    answer = response.json()
    expect(page.locator("#digit")).to_have_text(str(answer["digit"]))
    return answer


def record(page, cases):
    """Draw each (digit, variant, placement, touch); save the stored PNGs; return (name, digit, read)."""
    page.goto("/")
    results = []
    for digit, variant, placement, touch in cases:
        answer = draw(page, DIGITS[digit], placement, touch)
        drawing = Drawing.objects.get(id=answer["id"])
        assert drawing.predicted_digit == answer["digit"]
        name = f"{digit}-{variant}"
        (RECORDINGS / f"{name}.png").write_bytes(bytes(drawing.image_png))
        results.append((name, digit, answer["digit"]))
        page.get_by_role("button", name="Clear").click()
        expect(page.locator("#digit")).to_have_text("?")
    return results


def test_all_ten_digits_drawn_on_the_canvas_are_recognised(desktop_page, phone_page):
    shutil.rmtree(RECORDINGS, ignore_errors=True)  # the folder holds this run's recordings only
    RECORDINGS.mkdir(parents=True)
    cases = [(d, v, p, False) for v, p in PLACEMENTS.items() for d in DIGITS]
    results = record(desktop_page, cases)
    results += record(phone_page, [(d, "phone", PLACEMENTS["large"], True) for d in PHONE_DIGITS])

    misses = [f"{name} read as {read}" for name, digit, read in results if read != digit]
    correct = len(results) - len(misses)
    print(f"\nrecorded {len(results)} canvas drawings: {correct} correct", *(["missed:"] + misses if misses else []))
    assert correct == len(results), misses
