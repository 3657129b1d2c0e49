"""Load with faults: bench/load.py's mix of good and bad requests while the rate-limit cache's
Redis is stopped (and later started again) and the site's PostgreSQL connections are killed
every second. Every 5xx must be a 503 with a JSON body, never a 500, and the stored drawings
must equal the answers that said they were stored.

    .venv/bin/python bench/load_faults.py --database-url postgres://postgres@127.0.0.1:5432/digitsite_faults \\
        --duration 30 --concurrency 16

The database is dropped, created and migrated first (give it a name of its own). The cache is a
redis-server this script starts on a free loopback port and kills. The site runs with
digitsite/gunicorn.conf.py. Prints the counts and exits non-zero on a 500, a non-JSON 5xx, a
dropped connection, or rows != stored answers.
"""

import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import (  # noqa: E402
    clients_start, drawing_count, load_bench_main, request_body, requests_mix, stored_answer_count)
from bench.server import (  # noqa: E402
    KeepAliveClient,
    gunicorn_start,
    gunicorn_stop,
    migrate,
    production_env,
    wait_until_up,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_start(port: int, workdir: str) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def client_loop(port, deadline, seed, counts, lock, guess_body):
    rng = random.Random(seed)
    connection = KeepAliveClient(port, timeout=30)
    for kind, method, path, body in requests_mix(rng):
        if time.monotonic() > deadline:
            break
        payload, content_type = request_body(path, body, guess_body)
        status, response = connection.send(method, path, payload, {"Content-Type": content_type})
        if isinstance(status, int) and status >= 500:
            json_body = (response.getheader("Content-Type") or "").startswith("application/json")
            status = f"{status}{'' if json_body else ' NOT JSON'}"
        with lock:
            counts[(kind, status)] += 1
    connection.close()


def faults(database_url, redis, redis_port, workdir, duration, log, spare_pids=()):
    """Redis killed at 20 % of the run and started again at 70 %; PostgreSQL connections to the
    site's database killed every second from 30 % to 80 %."""
    import psycopg

    url = urllib.parse.urlparse(database_url)
    name = url.path.lstrip("/")
    started = time.monotonic()

    def at(fraction):
        time.sleep(max(0.0, started + duration * fraction - time.monotonic()))

    at(0.2)
    redis.kill()
    redis.wait()
    log.append(f"{time.monotonic() - started:5.1f} s: cache Redis killed")
    killed = 0
    at(0.3)
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        while time.monotonic() < started + duration * 0.8:
            killed += sum(row[0] for row in conn.execute(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() AND NOT pid = ANY(%s)", (name, list(spare_pids))))
            if redis.poll() is not None and time.monotonic() >= started + duration * 0.7:
                redis = redis_start(redis_port, workdir)
                log.append(f"{time.monotonic() - started:5.1f} s: cache Redis started again")
            time.sleep(1)
    log.append(f"database connections killed: {killed}")
    return redis


def run(database_url: str, duration: float, concurrency: int, workers: int, port: int, spare_pids=()) -> dict:
    """`spare_pids`: PostgreSQL backends never to kill (the test suite's own connection)."""
    workdir = tempfile.mkdtemp(prefix="digitsite-faults-")
    redis_port = free_port()
    redis = redis_start(redis_port, workdir)
    env = production_env(database_url, CACHE_URL=f"redis://127.0.0.1:{redis_port}/0")
    migrate(env)
    before = drawing_count(env)
    server = gunicorn_start("digitsite.wsgi", port=port, workers=workers, env=env, log_name="load-faults-gunicorn.log",
                            args=("-c", str(ROOT / "digitsite" / "gunicorn.conf.py"), "--access-logfile", "/dev/null"))
    log = []
    try:
        wait_until_up(port, server=server)
        threads, counts = clients_start(client_loop, port, duration, concurrency)
        redis = faults(database_url, redis, redis_port, workdir, duration, log, spare_pids)
        for thread in threads:
            thread.join()
    finally:
        gunicorn_stop(server)
        if redis.poll() is None:
            redis.kill()
            redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    after = drawing_count(env)
    return {
        "requests": sum(counts.values()),
        "faults": log,
        "by_kind_and_status": {f"{kind} {status}": n for (kind, status), n in sorted(counts.items(), key=str)},
        # 5xx statuses were turned into strings: "503" (JSON) is the one right kind of failure.
        "wrong_errors": sum(n for (kind, status), n in counts.items() if isinstance(status, str) and status != "503"),
        "answers_503": sum(n for (kind, status), n in counts.items() if status == "503"),
        "stored_answers": stored_answer_count(counts),
        "rows_written": after - before,
    }


def main():
    load_bench_main(__doc__, run, duration=30, workers=2, port=8191, errors="wrong_errors",
                    ok_message="OK: only 503 JSON under faults, rows = stored answers")


if __name__ == "__main__":
    main()
