"""Pen up -> answer on screen, in real Chromium against the site under gunicorn (the production way).

    .venv/bin/python bench/pen_up.py [--strokes 20] [--workers 2] [--crossbar]

Migrates a throwaway SQLite database under var/, starts gunicorn with DEBUG off, draws a 7 with
the mouse `--strokes` times and prints the p50/p95/max of the time the page itself measures from
pointerup to the answer being rendered (the "answered in N ms" it shows). Each 7 is a new drawing
(its first pen-up creates it); with --crossbar each 7 also gets a crossbar, a second stroke whose
pen-up updates the same drawing, measured apart.
"""

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import gunicorn_start, gunicorn_stop, migrate, production_env, wait_until_up  # noqa: E402
from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strokes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8192)
    parser.add_argument("--crossbar", action="store_true", help="a second stroke per 7: the update of a drawing")
    args = parser.parse_args()

    database = Path(tempfile.mkdtemp(prefix="digitsite-pen-up-")) / "db.sqlite3"
    env = production_env(f"sqlite:///{database}")
    migrate(env)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    server = gunicorn_start("digitsite.wsgi", port=args.port, workers=args.workers, env=env, log_name="pen-up-gunicorn.log")
    try:
        wait_until_up(args.port, server=server)
        from playwright.sync_api import expect, sync_playwright

        times, update_times, server_times = [], [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{args.port}/")
            box = page.locator("#pad").bounding_box()
            x, y, w, h = box["x"], box["y"], box["width"], box["height"]
            for _ in range(args.strokes):
                page.mouse.move(x + 0.25 * w, y + 0.2 * h)
                page.mouse.down()
                page.mouse.move(x + 0.75 * w, y + 0.2 * h, steps=8)
                page.mouse.move(x + 0.42 * w, y + 0.85 * h, steps=8)
                page.wait_for_timeout(300)  # let the live guess settle, as a person pausing would
                page.mouse.up()
                expect(page.locator("#answer-time")).to_contain_text("answered in")
                times.append(int(page.locator("#pad").get_attribute("data-answer-ms")))
                server_times.append(page.evaluate(LAST_STORE_APP_MS))
                if args.crossbar:
                    page.evaluate("delete document.getElementById('pad').dataset.answerMs")
                    page.mouse.move(x + 0.4 * w, y + 0.5 * h)
                    page.mouse.down()
                    page.mouse.move(x + 0.75 * w, y + 0.5 * h, steps=8)
                    page.wait_for_timeout(300)
                    page.mouse.up()
                    expect(page.locator("#pad")).to_have_attribute("data-answer-ms", re.compile(r"^\d+$"))
                    update_times.append(int(page.locator("#pad").get_attribute("data-answer-ms")))
                    server_times.append(page.evaluate(LAST_STORE_APP_MS))
                page.get_by_role("button", name="Clear").click()
            browser.close()
    finally:
        gunicorn_stop(server)
    print(f"pen up -> answer rendered, {len(times)} strokes, gunicorn {args.workers} workers, DEBUG off:")
    report("first stroke (creates the drawing)" if args.crossbar else "", times)
    if args.crossbar:
        report("crossbar (updates the drawing)", update_times)
    report("of which in Django (Server-Timing app, every stored pen-up)", server_times)


# The Django time of the last drawing stored (not a live guess), from its Server-Timing header as
# the browser's Resource Timing recorded it.
LAST_STORE_APP_MS = """() => {
    const stores = performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/drawings/"));
    const app = stores[stores.length - 1].serverTiming.find((t) => t.name === "app");
    return Math.round(app.duration * 10) / 10;
}"""


def report(label: str, times: list[float]) -> None:
    times = sorted(times)
    print(f"  {label + ': ' if label else ''}p50 {statistics.median(times)} ms, "
          f"p95 {times[int(len(times) * 0.95) - 1]} ms, max {times[-1]} ms")


if __name__ == "__main__":
    main()
