"""Real Celery worker processes for tests: started against the test database and the test Redis DB.

Workers are separate processes, so they need a database server they can share with the test:
tests using them are skipped on SQLite and run in the PostgreSQL pass of `make test`.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="worker processes need a shared PostgreSQL database"
)


class Worker:
    def __init__(self, name: str, env: dict, log_dir: Path, queues="training", beat=False):
        self.name = name
        self.log = log_dir / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "digitsite", "worker", "-Q", queues, "-c", "1",
                   "--max-tasks-per-child", "1", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
                   "-l", "info"]
        if beat:
            command += ["-B", "-s", str(log_dir / f"{name}-beat-schedule")]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=open(self.log, "w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker {name} did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.3)

    def kill(self):
        """SIGKILL the worker's parent and children, like a machine lost."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_workers(transactional_db, settings, tmp_path):
    """A function starting workers on the test database and Redis DB, with a private MODEL_DIR
    holding the shipped model (registered and serving)."""
    from recognizer.models import ModelVersion
    from recognizer.services.model_versions import model_version_register
    from recognizer.services.predictors import predictor_forget

    settings.MODEL_DIR = tmp_path / "models"
    shutil.copytree(settings.SHIPPED_MODEL_DIR, settings.MODEL_DIR / settings.SHIPPED_MODEL_DIR.name)
    if not ModelVersion.objects.exists():  # transactional tests flush the data migration's row
        model_version_register(artifact_dir=settings.MODEL_DIR / settings.SHIPPED_MODEL_DIR.name, activate=True)
    predictor_forget()
    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # the test Redis DB: no stale messages
    db = connection.settings_dict
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "digitsite.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MODEL_DIR": str(settings.MODEL_DIR),
        "MNIST_DIR": str(settings.MNIST_DIR),
        "TRAINING_HEARTBEAT_SECONDS": "1",
        "TRAINING_STALE_SECONDS": "6",
        "TRAINING_REAPER_SECONDS": "2",
    }
    workers = []

    def start(name, env=None, **kwargs):
        worker = Worker(name, {**base_env, **(env or {})}, tmp_path, **kwargs)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    predictor_forget()


def wait_for(job, condition, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if condition(job):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job.pk} stuck: status {job.status}, progress {job.progress}, error {job.error}\n{job.log_tail}")
