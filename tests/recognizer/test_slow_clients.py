"""Slow clients (a few slowloris connections on loopback) must not block a real request.

The site runs under gunicorn with its own config (digitsite/gunicorn.conf.py). Each slow client
sends its request headers, then dribbles its body (or its headers) one byte at a time for a
bounded while; meanwhile a normal client asks for /healthz and the log-in page and must be
answered at once. Sync workers, for comparison, are held by the slow clients."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
CONFIG = BASE_DIR / "digitsite" / "gunicorn.conf.py"
SLOW_FOR = 6.0  # seconds each slow client keeps its connection busy
SLOW_CLIENTS = 4  # twice the 2 workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], port: int) -> subprocess.Popen:
    # No database: the log-in page needs none, /healthz answers 503 at once; either is an answer.
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "DJANGO_SETTINGS_MODULE": "digitsite.settings",
           "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2", "LOG_LEVEL": "WARNING"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *args, "digitsite.wsgi"], cwd=BASE_DIR, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5)
            return process
        except urllib.error.HTTPError:
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)


def slow_client(port: int, *, slow_headers: bool, stop: threading.Event) -> None:
    """One connection that takes SLOW_FOR seconds to send a request it never finishes."""
    head = (b"POST /guess HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100000\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        if slow_headers:
            sock.sendall(head[:20])
        else:
            sock.sendall(head + b"imgURL=")
        ends = time.monotonic() + SLOW_FOR
        while time.monotonic() < ends and not stop.is_set():
            try:
                sock.sendall(b"X-a: b\r\n"[:1] if slow_headers else b"a")
            except OSError:
                return  # the server hung up on it: fine
            stop.wait(0.5)


def time_real_requests(port: int) -> float:
    """Seconds until /healthz and the log-in page have both answered (at most 15)."""
    started = time.monotonic()
    for path in ("/healthz", "/accounts/login/"):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=15)
        except urllib.error.HTTPError:
            pass  # /healthz is 503 without a database: an answer all the same
        except (urllib.error.URLError, TimeoutError):
            return 15.0
    return time.monotonic() - started


def with_slowloris(args) -> float:
    """Seconds the real requests took with SLOW_CLIENTS slow ones open; `args(port)` is gunicorn's command line."""
    port = free_port()
    process = start(args(port), port)
    stop = threading.Event()
    clients = [threading.Thread(target=slow_client, args=(port,), kwargs={"slow_headers": i % 2 == 1, "stop": stop})
               for i in range(SLOW_CLIENTS)]
    try:
        for client in clients:
            client.start()
        time.sleep(1.0)  # every slow client is connected and has been read from
        return time_real_requests(port)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=5)
        process.terminate()
        process.wait(timeout=20)


def test_slow_clients_do_not_block_a_real_request_with_the_sites_gunicorn_config():
    elapsed = with_slowloris(lambda port: ["-c", str(CONFIG)])  # it binds to HOST:PORT from the environment
    assert elapsed < 2.0, f"real requests took {elapsed:.1f} s behind {SLOW_CLIENTS} slow clients"


@pytest.mark.slow
def test_sync_workers_for_comparison_are_held_by_the_same_slow_clients():
    """Why the config is not sync workers: the same two workers, sync, and a real request waits
    for the slow clients to give up (SLOW_FOR seconds)."""
    elapsed = with_slowloris(lambda port: ["-b", f"127.0.0.1:{port}", "-w", "2", "--worker-class", "sync"])
    assert elapsed > 3.0, f"sync workers answered in {elapsed:.1f} s: the comparison no longer shows the problem"
