"""Digitsite across machines (network namespaces, tests/topology/hosts.py): PostgreSQL, Redis and
SeaweedFS on a data host; gunicorn and beat on a web host; the training worker on a worker host;
each host with its own empty MODEL_DIR and cache, artifacts only through the S3 bucket.

A real job trains on the worker host and is promoted from the admin side; the web host then
answers with the new version, and again after a restart; the worker host lost mid-job ends as a
failed job through the reaper; the web host keeps answering while Redis is unreachable.

Needs root and `ip netns`: skipped elsewhere with the reason, never skipped in CI (CI=1).
Runs in the PostgreSQL pass of `make test` (it brings its own PostgreSQL on the data host).
"""

import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from tests.canvases import data_url, seven_png
from tests.helpers import SHIPPED
from tests.topology.hosts import ROOT, Topology, netns_unavailable, wait_until

pytestmark = [pytest.mark.slow]

TINY_JOB = ["--epochs", "1", "--batch-size", "32", "--train-limit", "2000", "--validation-size", "200"]
LONG_JOB = ["--epochs", "6", "--batch-size", "32", "--train-limit", "30000", "--validation-size", "500"]


@pytest.fixture(scope="module")
def topology():
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass (make test-postgres), with its own PostgreSQL on the data host")
    reason = netns_unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the topology test must run in CI, but {reason}")
        pytest.skip(f"network namespaces unavailable: {reason}")
    root = Path(tempfile.mkdtemp(prefix="digitsite-topology-", dir="/tmp"))
    root.chmod(0o755)  # the postgres user reaches its data directory below it
    hosts = Topology(root)
    try:
        hosts.network_up()
        hosts.data_up()
        yield hosts
    finally:
        hosts.close()
        shutil.rmtree(root, ignore_errors=True)


def start_web(hosts: Topology):
    web = hosts.start("web", "web", [str(ROOT / "scripts" / "serve.sh"), "web"], hosts.host_env("web"))
    wait_until(lambda: http(hosts, "GET", "/healthz")[0] == 200, timeout=120, what="the web host serving",
               detail=web.tail)
    return web


def http(hosts: Topology, method: str, path: str, body: dict | None = None):
    request = urllib.request.Request(f"http://{hosts.address['web']}:8000{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def predict(hosts: Topology):
    status, answer = http(hosts, "POST", "/api/predictions", {"image": data_url(seven_png())})
    assert status == 201, (status, answer)
    return answer


def sql(hosts: Topology, query: str, *params):
    import psycopg

    with psycopg.connect(hosts.database_url, connect_timeout=5) as conn:
        return conn.execute(query, params).fetchall()


def job_row(hosts: Topology, job_id: int) -> dict:
    status, error, progress = sql(hosts, "SELECT status, error, progress FROM recognizer_trainingjob WHERE id = %s",
                                  job_id)[0]
    return {"status": status, "error": error, "progress": progress}


def launch(hosts: Topology, config: list[str]) -> int:
    output = hosts.manage("web", "train", "--enqueue", *config)
    return int(output.split("training job ")[1].split()[0])


def test_a_version_trained_on_the_worker_host_is_served_by_the_web_host(topology):
    hosts = topology
    web = start_web(hosts)
    hosts.start("beat", "web", [str(ROOT / "scripts" / "serve.sh"), "beat"], hosts.host_env("web"))
    assert predict(hosts)["model_version"] == SHIPPED  # the shipped model, from the checkout

    worker = hosts.start("worker", "worker", [str(ROOT / "scripts" / "serve.sh"), "worker"], hosts.host_env("worker"))
    wait_until(lambda: "ready." in worker.tail(), timeout=90, what="the training worker", detail=worker.tail)

    # A real job trains on the worker host, and is stored in the bucket.
    job_id = launch(hosts, TINY_JOB)
    wait_until(lambda: job_row(hosts, job_id)["status"] in ("succeeded", "failed"), timeout=600,
               what=f"job {job_id} finishing", every=2, detail=worker.tail)
    assert job_row(hosts, job_id)["status"] == "succeeded", (job_row(hosts, job_id), worker.tail())
    name, artifact_path, sha256 = sql(
        hosts, "SELECT name, artifact_path, sha256 FROM recognizer_modelversion WHERE job_id = %s", job_id)[0]
    stored = {item["Key"] for item in hosts.s3().list_objects_v2(Bucket=hosts.bucket)["Contents"]}
    assert {f"{artifact_path}/{f}" for f in ("model.tflite", "model.keras", "metadata.json")} <= stored
    assert (hosts.root / "worker" / "models" / artifact_path / "model.tflite").exists()
    assert not (hosts.root / "web" / "models" / artifact_path).exists()  # not on the web host's own disk

    # Promoted from the admin side (the service, on the web host); the web host then answers with it.
    hosts.manage("web", "shell", "-c",
                 "from recognizer.models import ModelVersion\n"
                 "from recognizer.services.model_versions import model_version_promote\n"
                 f"model_version_promote(version=ModelVersion.objects.get(name={name!r}), by=None, force=True,"
                 " reason='topology test: a tiny model')")
    wait_until(lambda: predict(hosts)["model_version"] == name, timeout=60, what=f"the web host serving {name}")
    assert (hosts.root / "web" / "model-cache" / sha256 / "model.tflite").exists()  # fetched from the bucket
    assert not (hosts.root / "web" / "models" / artifact_path).exists()

    # A restarted web host still serves it.
    web.stop()
    web = start_web(hosts)
    assert predict(hosts)["model_version"] == name

    # The worker host lost in the middle of a job: the reaper (beat, on the web host) fails the job.
    job_id = launch(hosts, LONG_JOB)
    wait_until(lambda: job_row(hosts, job_id)["status"] == "running" and job_row(hosts, job_id)["progress"].get("batch"),
               timeout=120, what=f"job {job_id} running", detail=worker.tail)
    worker.kill()
    started = time.monotonic()
    wait_until(lambda: job_row(hosts, job_id)["status"] == "failed", timeout=60, what=f"job {job_id} reaped",
               every=1, detail=lambda: str(job_row(hosts, job_id)))
    assert "worker lost" in job_row(hosts, job_id)["error"]
    print(f"lost worker's job failed {time.monotonic() - started:.1f} s after the kill")

    # Redis unreachable: the web host keeps answering, and says it is degraded.
    hosts.redis_stop()
    assert predict(hosts)["model_version"] == name
    status, health = http(hosts, "GET", "/healthz")
    assert status == 200 and health["status"] == "degraded", health
    assert web.alive()
