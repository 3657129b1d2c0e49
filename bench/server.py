"""What the benchmarks share: the site's production environment, a fresh PostgreSQL database,
gunicorn started and stopped, readiness, worker memory and CPU time, and a keep-alive client
connection."""

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class KeepAliveClient:
    """One keep-alive HTTP connection to the local server, reopened after a connection error,
    so one dropped connection costs one failed request, not the rest of the run."""

    def __init__(self, port: int, timeout: float):
        self.port, self.timeout = port, timeout
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def send(self, method: str, path: str, body, headers: dict):
        """(status, response) with the body read; ("connection error", None) if it failed."""
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
            response.read()
            return response.status, response
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            return "connection error", None

    def close(self) -> None:
        self.conn.close()


def production_env(database_url: str, **overrides: str) -> dict:
    """The environment of a production web process (DEBUG off), served over plain HTTP locally,
    with rate limits high enough that a benchmark is never throttled."""
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "digitsite.settings",
           "LOG_LEVEL": "WARNING", **{f"RATE_LIMIT_{s}": "1000000/m" for s in ("PREDICT", "PREVIEW", "GUESS")},
           **overrides}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def database_recreate(database_url: str) -> None:
    """Drop and create the PostgreSQL database named in `database_url` (a throwaway bench database)."""
    import psycopg

    url = urllib.parse.urlparse(database_url)
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(env: dict) -> None:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def gunicorn_start(app: str, *, port: int, workers: int, env: dict, log_name: str, args=()) -> subprocess.Popen:
    """gunicorn serving `app` with `workers` sync workers. Its output goes to var/<log_name>: a pipe
    nobody reads fills up and stalls the workers.

    Sync, not threaded workers with keep-alive (measured with bench/predict_http.py, 2 workers on
    the 2-core machine): keep-alive cut the c=1 latency by 10-15 %, but a gthread worker's main
    thread keeps accepting while its thread works, so the clients' long-lived connections pile
    onto one worker (all 16 at c=16, CPU time 3.0 s vs 0.0 s) and c=4/c=16 throughput fell 20-35 %;
    threads=2 did not fix it. With --reuse-port (a listening socket per worker, so the kernel
    spreads the connections) they no longer pile up, but throughput stayed within this machine's
    noise of sync workers (docs/benchmarks.md, "Scaling notes"). A sync worker takes a new connection only when
    it is free."""
    (ROOT / "var").mkdir(exist_ok=True)
    with open(ROOT / "var" / log_name, "w") as log:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", app, "-b", f"127.0.0.1:{port}", "-w", str(workers),
                                 *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def gunicorn_stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_up(port: int, timeout: float = 60, *, path: str = "/healthz", ok_only: bool = False,
                  interval: float = 0.3, server: subprocess.Popen | None = None) -> None:
    """Until `path` answers (any status, or only 200 with ok_only); RuntimeError after `timeout`
    seconds or if `server` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200 or not ok_only:
                return
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError("gunicorn did not start")


def worker_pids(master_pid: int) -> list[int]:
    """The processes whose parent is `master_pid` (gunicorn's workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may contain spaces, so split after its closing paren.
            if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:
                pids.append(int(entry.name))
    return sorted(pids)


def cpu_seconds(pids) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (those already gone are left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (fields 14 and 15 of stat)
    return used


def cpu_seconds_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds used between two cpu_seconds() readings, counting processes that started in
    between (a new database connection) and not those that ended (their last share is lost)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq + steal) / tick, (idle + iowait) / tick


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
