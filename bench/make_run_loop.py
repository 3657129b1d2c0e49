"""The learning loop as a developer meets it: `make run` (runserver, the training worker, the
default worker with beat, SQLite), then reviewed drawings imported, and nothing else done.

    .venv/bin/python bench/make_run_loop.py [--reviews 300] [--timeout 600]

Starts `make run` with RETRAIN_AFTER_REVIEWS=--reviews and RETRAIN_AUTO_PROMOTE=1 (every other
setting its default: beat checks every RETRAIN_CHECK_SECONDS=30 s), on a throwaway SQLite
database, Redis DB 9 (flushed: keep it free) and MODEL_DIR under var/bench-make-run/ (the shipped
model copied in), imports that many real writers' digits (bench/learning_loop.py's users) with
`manage.py import_dataset`, and asks the site what serves until a new version does: /healthz
every 2 s, then one preview prediction through the API, as the canvas page sends it. Prints the
time from the last review to the new version answering. Everything it starts, it stops.
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.learning_loop import make_drawings  # noqa: E402
from bench.server import ROOT, wait_until_up  # noqa: E402

WORK = ROOT / "var" / "bench-make-run"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=300)
    parser.add_argument("--port", type=int, default=8301)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    parser.add_argument("--timeout", type=int, default=600, help="give up after this many seconds")
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "models").mkdir(parents=True)
    shutil.copytree(ROOT / "models" / "digitsite-v3", WORK / "models" / "digitsite-v3")
    _, users_dir, _ = make_drawings("real-writers", args.reviews, 0, users_dir=WORK / "users")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{WORK / 'db.sqlite3'}", "REDIS_URL": args.redis_url,
           "MODEL_DIR": str(WORK / "models"), "RETRAIN_AFTER_REVIEWS": str(args.reviews), "RETRAIN_AUTO_PROMOTE": "1"}
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    log = open(WORK / "make-run.log", "w")
    site = subprocess.Popen(["make", "run", f"PORT={args.port}"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(args.port, server=site, timeout=300)
        base = f"http://127.0.0.1:{args.port}"
        before = serving(base)
        print(f"make run is up, serving {before}; beat and both workers started (var/bench-make-run/make-run.log)",
              flush=True)
        time.sleep(10)  # let the workers finish starting, as a person would before importing
        subprocess.run([sys.executable, "manage.py", "import_dataset", str(users_dir)], cwd=ROOT, env=env, check=True)
        last_review = time.monotonic()
        deadline = last_review + args.timeout
        now = before
        while now == before and time.monotonic() < deadline:
            time.sleep(2)
            now = serving(base)
        waited = time.monotonic() - last_review
        if now == before:
            print(f"no new version served within {args.timeout} s of the last review", flush=True)
            return 1
        answered_by = preview_model(base)
        print(f"\ndate: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; command: {' '.join(sys.argv)}; "
              f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{args.reviews} reviewed drawings imported; {now} serving {waited:.0f} s after the last review "
              f"(was {before}); a prediction through the API now names {answered_by}")
        return 0 if answered_by == now else 1
    finally:
        os.killpg(site.pid, signal.SIGTERM)
        try:
            site.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(site.pid, signal.SIGKILL)


def serving(base: str) -> str | None:
    import requests

    try:
        return requests.get(f"{base}/healthz", timeout=10).json()["checks"]["model"].get("serving")
    except (requests.RequestException, ValueError, KeyError):
        return None


def preview_model(base: str) -> str:
    """One preview prediction, sent as the canvas page sends it (its session, its CSRF token)."""
    import requests

    from tests.canvases import seven_png

    session = requests.Session()
    session.get(f"{base}/", timeout=10)
    image = "data:image/png;base64," + base64.b64encode(seven_png()).decode()
    answer = session.post(f"{base}/api/predictions", json={"image": image, "preview": True}, timeout=30,
                          headers={"X-CSRFToken": session.cookies.get("csrftoken", ""), "Referer": f"{base}/"})
    return answer.json()["model_version"]


if __name__ == "__main__":
    sys.exit(main())
