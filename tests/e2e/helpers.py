"""Plain helpers for the browser tests and benches: Chromium's path and flags, logging in and
signing up, and pen and finger strokes. Test modules import from here, never from one another."""

import json
import math
from pathlib import Path

from playwright.sync_api import expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]
NODE_MODULES = Path(__file__).resolve().parent.parent.parent / "node_modules"
STEP = 0.02  # pen sample spacing, in digit-box units


def log_in(page, username, password):
    """Log in through the admin's login form (staff and reviewers)."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def sign_up(page, username):
    page.goto("/accounts/signup/")
    page.fill("#id_username", username)
    page.fill("#id_password1", "a-long-password-42")
    page.fill("#id_password2", "a-long-password-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name=f"Log out {username}")).to_be_visible()


def draw_seven(page, lift=True):
    """A 7 drawn with the mouse; with lift=False the button stays down (still drawing)."""
    box = page.locator("#pad").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 0.25 * w, y + 0.2 * h)
    page.mouse.down()
    page.mouse.move(x + 0.75 * w, y + 0.2 * h, steps=12)
    page.mouse.move(x + 0.42 * w, y + 0.85 * h, steps=16)
    if lift:
        page.mouse.up()


def touch_stroke(page, points):
    """A finger stroke, sent as real touch events (Chromium turns them into touch pointer events)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]})
    for start, end in zip(points, points[1:]):
        for step in range(1, 9):
            x = start[0] + (end[0] - start[0]) * step / 8
            y = start[1] + (end[1] - start[1]) * step / 8
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def draw_stroke(page, points, touch: bool) -> None:
    """One stroke through `points` (page px): a finger's touch events, or the mouse's."""
    if touch:
        touch_stroke(page, spaced(points, 20))  # it moves the finger in 8 steps per segment
    else:
        page.mouse.move(*points[0])
        page.mouse.down()
        for x, y in spaced(points, 9)[1:]:
            page.mouse.move(x, y)
        page.mouse.up()


def line(*points):
    """A polyline through points, sampled every STEP."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(1, round(math.dist((x0, y0), (x1, y1)) / STEP))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(1, n + 1)]
    return out


def arc(cx, cy, rx, ry, start, end):
    """An elliptical arc from angle start to end (degrees, counter-clockwise as seen on screen)."""
    n = max(2, round(math.radians(abs(end - start)) * max(rx, ry) / STEP))
    angles = (math.radians(start + (end - start) * i / n) for i in range(n + 1))
    return [(cx + rx * math.cos(a), cy - ry * math.sin(a)) for a in angles]


def curve(p0, p1, p2):
    """A quadratic Bezier curve from p0 to p2 pulled towards p1."""
    n = max(2, round((math.dist(p0, p1) + math.dist(p1, p2)) / STEP))
    return [tuple((1 - t) ** 2 * a + 2 * (1 - t) * t * b + t * t * c for a, b, c in zip(p0, p1, p2))
            for t in (i / n for i in range(n + 1))]


def spaced(points, gap):
    """Points at least gap px apart (and the last), like the pointer events of a moving pen."""
    out = [points[0]]
    for p in points[1:-1]:
        if math.dist(p, out[-1]) >= gap:
            out.append(p)
    return out + [points[-1]]


def axe_violations(page, tags=("wcag2a", "wcag2aa")) -> list:
    """axe-core's violations on the page as it is now (`tags`: axe's rule tags; add "wcag21a",
    "wcag21aa" for WCAG 2.1). axe is evaluated through the DevTools protocol: the site's
    Content-Security-Policy rightly refuses an injected <script>."""
    page.evaluate((NODE_MODULES / "axe-core" / "axe.min.js").read_text())
    result = page.evaluate("axe.run(document, {runOnly: %s})" % json.dumps(list(tags)))
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
