"""Load test: concurrent clients send a mix of good and bad requests to the site under gunicorn;
at the end, stored drawings must equal the 201 answers and there must be no 5xx.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/digitsite_load \\
        --duration 60 --concurrency 16

The database is dropped, created and migrated first (give it a name of its own). Prints the
counts and exits non-zero if anything was lost, doubled or answered 5xx. The test suite runs it
briefly, through run(), on its own test database.
"""

import argparse
import json
import random
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402
    KeepAliveClient,
    database_recreate,
    gunicorn_start,
    gunicorn_stop,
    production_env,
    wait_until_up,
)
from bench.server import migrate as server_migrate  # noqa: E402
from tests.canvases import data_url, one_png, png_bytes, seven_png  # noqa: E402


def requests_mix(rng: random.Random):
    """(kind, method, path, body, content_type) tuples: good drawings, retries, previews, junk."""
    from PIL import Image

    good = [data_url(seven_png()), data_url(one_png()), data_url(seven_png(ink="white", background="black"))]
    blank = data_url(png_bytes(Image.new("RGB", (200, 200), "white")))
    last_key = None
    while True:
        roll = rng.random()
        if roll < 0.45:
            last_key = str(uuid.uuid4())
            yield "new", "POST", "/api/predictions", {"image": rng.choice(good), "idempotency_key": last_key}
        elif roll < 0.55 and last_key:
            yield "retry", "POST", "/api/predictions", {"image": good[0], "idempotency_key": last_key}
        elif roll < 0.65:
            yield "preview", "POST", "/api/predictions", {"image": rng.choice(good), "preview": True}
        elif roll < 0.72:
            yield "guess", "POST", "/guess", None
        elif roll < 0.80:
            yield "bad", "POST", "/api/predictions", {"image": "data:image/png;base64,bm90IGEgcG5n"}
        elif roll < 0.86:
            yield "bad", "POST", "/api/predictions", {"image": blank}
        elif roll < 0.92:
            yield "bad", "POST", "/api/predictions", "{not json"
        else:
            yield "bad", "PUT", "/api/predictions", {"image": good[0]}


def request_body(path: str, body, guess_body: str) -> tuple[str, str]:
    """(payload, content type) of one request of the mix: /guess is the original page's form post."""
    if path == "/guess":
        return guess_body, "application/x-www-form-urlencoded"
    return (body if isinstance(body, str) else json.dumps(body)), "application/json"


def client_loop(port, deadline, seed, counts, lock, guess_body):
    rng = random.Random(seed)
    connection = KeepAliveClient(port, timeout=30)
    for kind, method, path, body in requests_mix(rng):
        if time.monotonic() > deadline:
            break
        payload, content_type = request_body(path, body, guess_body)
        status, _ = connection.send(method, path, payload, {"Content-Type": content_type})
        with lock:
            counts[(kind, status)] += 1
    connection.close()


def drawing_count(env) -> int:
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from recognizer.models import Drawing; print(Drawing.objects.count())"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1])


def run(database_url: str, duration: float, concurrency: int, workers: int, port: int, migrate: bool = True) -> dict:
    env = production_env(database_url)
    if migrate:
        server_migrate(env)
    before = drawing_count(env)
    server = gunicorn_start("digitsite.wsgi", port=port, workers=workers, env=env, log_name="load-gunicorn.log",
                            args=("--access-logfile", "/dev/null"))
    try:
        wait_until_up(port, server=server)
        threads, counts = clients_start(client_loop, port, duration, concurrency)
        for thread in threads:
            thread.join()
    finally:
        gunicorn_stop(server)
    after = drawing_count(env)
    return {
        "requests": sum(counts.values()),
        "by_kind_and_status": {f"{kind} {status}": n for (kind, status), n in sorted(counts.items(), key=str)},
        "server_errors": sum(n for (kind, status), n in counts.items() if not isinstance(status, int) or status >= 500),
        "stored_answers": stored_answer_count(counts),
        "rows_written": after - before,
    }


def clients_start(client_loop, port: int, duration: float, concurrency: int) -> tuple[list[threading.Thread], Counter]:
    """`concurrency` threads running `client_loop` (one seed each) for `duration` seconds, started:
    (the threads, the shared Counter of (kind, status) they fill)."""
    counts, lock = Counter(), threading.Lock()
    guess_body = urllib.parse.urlencode({"imgURL": data_url(seven_png())})
    deadline = time.monotonic() + duration
    threads = [threading.Thread(target=client_loop, args=(port, deadline, seed, counts, lock, guess_body))
               for seed in range(concurrency)]
    for thread in threads:
        thread.start()
    return threads, counts


def stored_answer_count(counts: Counter) -> int:
    """Answers the site must have stored a row for: every 201, and every 200 of /guess."""
    return sum(n for (kind, status), n in counts.items() if status == 201 or (kind == "guess" and status == 200))


def load_bench_main(description: str, run, *, duration: float, workers: int, port: int, errors: str, ok_message: str):
    """The command line of both load benches: options, a fresh database (the bench counts the rows
    it writes), the run, and its verdict (exit 1 on `errors` or rows != stored answers)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--duration", type=float, default=duration)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--port", type=int, default=port)
    args = parser.parse_args()
    database_recreate(args.database_url)
    result = run(args.database_url, args.duration, args.concurrency, args.workers, args.port)
    print(json.dumps(result, indent=2))
    ok = result[errors] == 0 and result["rows_written"] == result["stored_answers"]
    print(ok_message if ok else "FAILED")
    sys.exit(0 if ok else 1)


def main():
    load_bench_main(__doc__, run, duration=60, workers=4, port=8190, errors="server_errors",
                    ok_message="OK: nothing lost, nothing doubled, no 5xx")


if __name__ == "__main__":
    main()
