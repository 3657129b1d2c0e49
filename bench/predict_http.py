"""Prediction over HTTP, the production way, against a naive baseline.

    .venv/bin/python bench/predict_http.py [--workers 2,4] [--concurrency 1,4,16] [--duration 20]
        [--database-url postgres://postgres@127.0.0.1:5432/digitsite_bench] [--no-naive] [--bare]

Drops, creates and migrates the bench database, then for each worker count starts the site under
gunicorn (sync workers, DEBUG off, PostgreSQL) and drives POST /api/predictions with realistic
canvas PNGs (several digits; stroke drawings and MNIST digits; black-on-white and white-on-black;
200x200 and 280x280; a fresh idempotency key per drawing, as the canvas page sends) for
`--duration` seconds at each concurrency. Each client is its own process with pre-encoded
bodies and one connection, kept alive where the server allows it (gunicorn's sync workers close
it after each answer, and the client reconnects). The clients share the machine's cores with the
server, and their CPU time is printed.

Per phase it prints requests/s, HTTP latency p50/p95/p99, the successes, the Drawing rows written
(counted in SQL; they must equal the 201s: OK or MISMATCH) and the server-side time from the
`Server-Timing` header: `predict` (decode + preprocess + inference + the database write) and
`app` (the whole request inside Django), and who used the CPU meanwhile: milliseconds per answer
spent by the gunicorn workers, the client processes and the rest of the machine (PostgreSQL),
and the share left idle — what saturates first. Then the resident memory of each worker after
the load and the ready time (gunicorn launched -> first 200 from /healthz).

The baseline (bench/naive_app.py, same gunicorn settings) is the original Flask app's way: the
same preprocessing, then Keras model.predict() per request, nothing stored. The script prints
its numbers and the throughput ratio, ours / naive, at each concurrency. With --bare it also
serves bench/bare_app.py (the same service call without Django's request stack: no middleware,
sessions, CSRF, rate limits or ninja) the same way, to show what the framework costs. Exits
non-zero if a phase's rows do not match its 201s or a request failed.
"""

import argparse
import io
import multiprocessing
import os
import sys
import time
import uuid
from array import array
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.server import (  # noqa: E402
    KeepAliveClient,
    cpu_seconds,
    cpu_seconds_since,
    database_recreate,
    gunicorn_start,
    gunicorn_stop,
    machine_cpu_seconds,
    migrate,
    production_env,
    rss_mb,
    wait_until_up,
    worker_pids,
)
from PIL import Image  # noqa: E402

from tests.canvases import DIGIT_STROKES, MNIST_DIR, data_url, mnist_digit_png, png_bytes, strokes_png  # noqa: E402

TARGETS = {"predict_p50_ms": 3.0, "http_p50_c1_ms": 10.0, "ratio": 20.0, "rss_mb": 250.0, "ready_s": 3.0}


def canvases() -> list[bytes]:
    """Canvas PNGs as browsers send them: stroke digits and MNIST digits, both colour schemes, two sizes."""
    pngs = []
    for size in (280, 200):
        scale = size / 280
        for strokes in DIGIT_STROKES.values():
            points = [[(x * scale, y * scale) for x, y in line] for line in strokes(60, 40)]
            for ink, background in (("black", "white"), ("white", "black")):
                pngs.append(strokes_png(points, size=(size, size), width=round(20 * scale), ink=ink, background=background))
    if MNIST_DIR.exists():
        from ml.data import load_mnist

        test = load_mnist(MNIST_DIR, "test")
        for digit in range(10):
            image = test.images[list(test.labels).index(digit)]
            pngs.append(mnist_digit_png(image, scale=10, black_on_white=digit % 2 == 0))
            big = Image.open(io.BytesIO(mnist_digit_png(image, scale=10, black_on_white=digit % 2 == 1)))
            pngs.append(png_bytes(big.resize((200, 200), Image.Resampling.BILINEAR)))
    return pngs


def bodies(pngs: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Pre-encoded JSON bodies, split where each request's fresh idempotency key goes."""
    return [(b'{"image": "' + data_url(png).encode() + b'", "idempotency_key": "', b'"}') for png in pngs]


def client(port, start_at, deadline, parts, seed, results):
    """One client process: requests back to back until the deadline, on one connection while the
    server keeps it open."""
    latencies, predict_ms, app_ms = array("d"), array("d"), array("d")
    statuses = {}
    connection = KeepAliveClient(port, timeout=60)
    headers = {"Content-Type": "application/json"}
    i = seed
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < deadline:
        head, tail = parts[i % len(parts)]
        i += 1
        body = head + str(uuid.uuid4()).encode() + tail
        started = time.perf_counter()
        status, response = connection.send("POST", "/api/predictions", body, headers)
        elapsed = (time.perf_counter() - started) * 1000
        statuses[status] = statuses.get(status, 0) + 1
        if status in (200, 201):
            latencies.append(elapsed)
            timings = server_timing(response.getheader("Server-Timing", ""))
            if "predict" in timings:
                predict_ms.append(timings["predict"])
            if "app" in timings:
                app_ms.append(timings["app"])
    connection.close()
    results.put((statuses, latencies, predict_ms, app_ms))


def server_timing(header: str) -> dict[str, float]:
    """`predict;dur=1.2, app;dur=2.3` -> {"predict": 1.2, "app": 2.3}."""
    timings = {}
    for metric in header.split(","):
        name, _, params = metric.strip().partition(";")
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "dur":
                timings[name] = float(value)
    return timings


@dataclass
class Phase:
    concurrency: int
    seconds: float
    statuses: dict = field(default_factory=dict)
    latencies: list = field(default_factory=list)
    predict_ms: list = field(default_factory=list)
    app_ms: list = field(default_factory=list)
    rows: int | None = None
    cpu_ms: dict = field(default_factory=dict)  # CPU milliseconds per answer, by who spent them
    idle: float = 0.0  # share of the machine's CPU time nobody here used

    @property
    def successes(self) -> int:
        return len(self.latencies)

    @property
    def rps(self) -> float:
        return self.successes / self.seconds

    @property
    def created(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status not in (200, 201))


def drive(port: int, concurrency: int, seconds: float, parts) -> Phase:
    results = multiprocessing.get_context("fork").Queue()
    start_at = time.time() + 0.5  # every client connected and waiting before the clock starts
    deadline = start_at + seconds
    processes = [multiprocessing.get_context("fork").Process(
        target=client, args=(port, start_at, deadline, parts, seed * 7, results)) for seed in range(concurrency)]
    for process in processes:
        process.start()
    phase = Phase(concurrency, seconds)
    for _ in processes:
        statuses, latencies, predict_ms, app_ms = results.get()
        for status, n in statuses.items():
            phase.statuses[status] = phase.statuses.get(status, 0) + n
        phase.latencies += latencies
        phase.predict_ms += predict_ms
        phase.app_ms += app_ms
    for process in processes:
        process.join()
    return phase


def percentile(values, q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))]


def drawing_count(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM recognizer_drawing").fetchone()[0]


@dataclass
class Run:
    name: str
    workers: int
    ready_s: float
    rss_mb: list
    phases: list


def serve_and_drive(name, app, *, args, env, parts, workers, warmup, database_url=None) -> Run:
    launched = time.monotonic()
    server = gunicorn_start(app, port=args.port, workers=workers, env=env,
                            log_name=f"predict-http-{name}-{workers}w.log", args=args.gunicorn_args)
    try:
        wait_until_up(args.port, timeout=300, ok_only=True, interval=0.02, server=server)
        ready_s = time.monotonic() - launched
        # Warm up every worker (first request loads the model / traces the graph), not measured.
        drive(args.port, max(args.concurrency), warmup, parts)
        phases = []
        for concurrency in args.concurrency:
            before = drawing_count(database_url) if database_url else None
            usage = cpu_usage(server.pid)
            phase = drive(args.port, concurrency, args.duration, parts)
            phase.cpu_ms, phase.idle = cpu_per_answer(usage, cpu_usage(server.pid), phase.successes)
            if database_url:
                phase.rows = drawing_count(database_url) - before
            phases.append(phase)
            print_phase(name, workers, phase)
        rss = [rss_mb(pid) for pid in worker_pids(server.pid)]
    finally:
        gunicorn_stop(server)
    return Run(name, workers, ready_s, rss, phases)


def cpu_usage(master_pid: int) -> dict:
    """CPU seconds used so far by each gunicorn worker, by this script's finished client
    processes (drive() joins them) and by the whole machine."""
    children = os.times()
    busy, idle = machine_cpu_seconds()
    return {"workers": cpu_seconds(worker_pids(master_pid)), "clients": children.children_user + children.children_system,
            "busy": busy, "idle": idle}


def cpu_per_answer(before: dict, after: dict, answers: int) -> tuple[dict, float]:
    """Who used the CPU during a phase, in ms per successful answer: the web workers, the load
    generator, and the rest of the machine (PostgreSQL, nearly all of it, since nothing else
    runs; counted as the remainder because its backends come and go), and the share of the
    machine's CPU left idle: which of them saturates it."""
    workers = cpu_seconds_since(before["workers"], after["workers"])
    clients = after["clients"] - before["clients"]
    busy, idle = after["busy"] - before["busy"], after["idle"] - before["idle"]
    used = {"workers": workers, "clients": clients, "database & rest": max(0.0, busy - workers - clients)}
    per_answer = {who: seconds * 1000 / max(answers, 1) for who, seconds in used.items()}
    return per_answer, idle / max(busy + idle, 1e-9)


def print_phase(name: str, workers: int, phase: Phase) -> None:
    line = (f"{name:5} {workers}w c={phase.concurrency:<3} {phase.rps:8.1f} req/s  "
            f"p50 {percentile(phase.latencies, 50):7.2f}  p95 {percentile(phase.latencies, 95):7.2f}  "
            f"p99 {percentile(phase.latencies, 99):7.2f} ms  ok {phase.successes:6d}")
    if phase.failures:
        line += f"  FAILED {phase.failures} {dict(phase.statuses)}"
    if phase.rows is not None:
        verdict = "OK" if phase.rows == phase.created == phase.successes else "MISMATCH"
        line += (f"  rows {phase.rows:6d} {verdict}  server predict p50 {percentile(phase.predict_ms, 50):.2f} "
                 f"p95 {percentile(phase.predict_ms, 95):.2f}, app p50 {percentile(phase.app_ms, 50):.2f} "
                 f"p95 {percentile(phase.app_ms, 95):.2f} ms")
    if phase.cpu_ms:
        line += ("  CPU ms/answer: " + ", ".join(f"{who} {ms:.2f}" for who, ms in phase.cpu_ms.items())
                 + f"; idle {phase.idle:.0%}")
    print(line, flush=True)


def summary(ours: list[Run], naive: list[Run], bare: list[Run]) -> bool:
    print("\n== summary ==")
    for run in ours + bare + naive:
        rss = ", ".join(f"{mb:.0f}" for mb in run.rss_mb)
        print(f"{run.name:5} {run.workers}w: ready {run.ready_s:.2f} s; worker RSS after load (MB): {rss}")
    for name, runs in (("ours", ours), ("bare", bare)):
        if runs and naive:
            print(f"\nthroughput, {name} / naive:")
            for mine, theirs in zip(runs, naive):
                for a, b in zip(mine.phases, theirs.phases):
                    ratio = a.rps / b.rps if b.rps else float("inf")
                    print(f"  {mine.workers}w c={a.concurrency:<3} {a.rps:8.1f} / {b.rps:6.1f} req/s = {ratio:6.1f}x")
    print("\ntargets:")
    checks = []
    for run in ours:
        c1 = next((p for p in run.phases if p.concurrency == 1), None)
        for phase in run.phases:
            checks.append((f"{run.workers}w c={phase.concurrency} rows written == 201s",
                           phase.rows == phase.created == phase.successes and not phase.failures, ""))
        if c1 is not None:
            p50 = percentile(c1.predict_ms, 50)
            checks.append((f"{run.workers}w server predict p50 (c=1) <= {TARGETS['predict_p50_ms']} ms",
                           p50 <= TARGETS["predict_p50_ms"], f"{p50:.2f} ms"))
            p50 = percentile(c1.latencies, 50)
            checks.append((f"{run.workers}w HTTP p50 (c=1) <= {TARGETS['http_p50_c1_ms']} ms",
                           p50 <= TARGETS["http_p50_c1_ms"], f"{p50:.2f} ms"))
        checks.append((f"{run.workers}w worker RSS <= {TARGETS['rss_mb']} MB", max(run.rss_mb) <= TARGETS["rss_mb"],
                       f"max {max(run.rss_mb):.0f} MB"))
        checks.append((f"{run.workers}w ready <= {TARGETS['ready_s']} s", run.ready_s <= TARGETS["ready_s"],
                       f"{run.ready_s:.2f} s"))
    for mine, theirs in zip(ours, naive):
        worst = min(a.rps / b.rps if b.rps else float("inf") for a, b in zip(mine.phases, theirs.phases))
        checks.append((f"{mine.workers}w throughput >= {TARGETS['ratio']:.0f}x naive at every concurrency",
                       worst >= TARGETS["ratio"], f"lowest {worst:.1f}x"))
    for label, met, value in checks:
        print(f"  {'met    ' if met else 'NOT MET'} {label}{': ' + value if value else ''}")
    # Lost or doubled rows and failed requests are errors; the timing targets are reported.
    return all(phase.rows == phase.created == phase.successes and not phase.failures
               for run in ours + bare for phase in run.phases) and not any(phase.failures for run in naive for phase in run.phases)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/digitsite_bench",
                        help="a throwaway PostgreSQL database: dropped, created and migrated")
    parser.add_argument("--workers", type=lambda s: [int(n) for n in s.split(",")], default=[2, 4])
    parser.add_argument("--concurrency", type=lambda s: [int(n) for n in s.split(",")], default=[1, 4, 16])
    parser.add_argument("--duration", type=float, default=20, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of unmeasured load after start")
    parser.add_argument("--naive-warmup", type=float, default=10,
                        help="the same for the baseline (its first model.predict per worker traces the graph)")
    parser.add_argument("--port", type=int, default=8194)
    parser.add_argument("--log-level", default="WARNING", help="the site's LOG_LEVEL (INFO logs every request)")
    parser.add_argument("--gunicorn-args", type=str.split, default=[],
                        help='more gunicorn options for both apps, e.g. "--worker-class gthread --threads 1"')
    parser.add_argument("--no-naive", action="store_true", help="skip the naive baseline")
    parser.add_argument("--bare", action="store_true",
                        help="also measure bench/bare_app.py: the same service without Django's request stack, "
                             "the ceiling any leaner Django path could reach (not a target)")
    args = parser.parse_args()

    parts = bodies(canvases())
    env = production_env(args.database_url, LOG_LEVEL=args.log_level)
    database_recreate(args.database_url)
    migrate(env)
    print(f"{len(parts)} canvases; {args.duration:.0f} s per phase; {multiprocessing.cpu_count()} CPUs; "
          f"load average {load_average()}", flush=True)
    ours, naive, bare = [], [], []
    for workers in args.workers:
        ours.append(serve_and_drive("ours", "digitsite.wsgi", args=args, env=env, parts=parts, workers=workers,
                                    warmup=args.warmup, database_url=args.database_url))
        if args.bare:
            bare.append(serve_and_drive("bare", "bench.bare_app:application", args=args, env=env, parts=parts,
                                        workers=workers, warmup=args.warmup, database_url=args.database_url))
        if not args.no_naive:
            naive.append(serve_and_drive("naive", "bench.naive_app:application", args=args, env=env, parts=parts,
                                         workers=workers, warmup=args.naive_warmup))
    print(f"load average at the end {load_average()}")
    sys.exit(0 if summary(ours, naive, bare) else 1)


if __name__ == "__main__":
    main()
