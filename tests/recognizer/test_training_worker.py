"""Training jobs on real Celery worker processes and a real Redis, against PostgreSQL.

The workers are separate processes, so they need a database server they can share with the
test: these tests run in the PostgreSQL pass of `make test` and are skipped on SQLite.
"""

import time
from pathlib import Path

import pytest
from django.conf import settings

from digitsite.celery import app
from recognizer.models import ModelVersion
from recognizer.selectors import model_version_get_active
from recognizer.services.model_versions import model_version_promote
from recognizer.services.training import training_job_cancel, training_job_create
from tests.canvases import data_url, seven_png
from tests.workers import needs_postgresql, wait_for

pytestmark = [pytest.mark.slow, needs_postgresql]

TINY = {"epochs": 1, "batch_size": 32, "train_limit": 2000, "validation_size": 200}
LONG = {"epochs": 4, "batch_size": 64, "train_limit": 8000}  # long enough to cancel or kill mid-run


def test_job_succeeds_registers_a_version_and_serves_after_promotion(celery_workers, user, client):
    celery_workers("trainer")
    job = training_job_create(requested_by=user, config=TINY)
    seen_running = wait_for(job, lambda j: j.status != "queued")
    job = wait_for(job, lambda j: j.is_finished)
    assert job.status == "succeeded", job.error + job.log_tail
    assert seen_running.started_at and job.finished_at and job.attempts == 1
    assert job.percent == 100 and len(job.history) == 1 and "val_accuracy" in job.history[0]

    version = job.model_version
    assert version.parent == model_version_get_active() and not version.is_active
    assert version.metrics["mnist_test"]["count"] == 10000
    assert (Path(settings.MODEL_DIR) / version.artifact_path / "model.tflite").exists()

    model_version_promote(version=version, by=user, force=True, reason="tiny test model")
    response = client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")
    assert response.status_code == 201 and response.json()["model_version"] == version.name


def test_cancel_mid_run(celery_workers, user):
    celery_workers("trainer")
    job = training_job_create(requested_by=user, config=LONG)
    wait_for(job, lambda j: j.status == "running" and j.progress.get("stage") == "training" and j.percent > 0)
    training_job_cancel(job=job)
    job = wait_for(job, lambda j: j.is_finished, timeout=60)
    assert job.status == "cancelled"
    assert not ModelVersion.objects.filter(job=job).exists()
    assert sorted(p.name for p in Path(settings.MODEL_DIR).iterdir()) == [settings.SHIPPED_MODEL_DIR.name]


def test_worker_killed_mid_run_is_reaped_as_failed(celery_workers, user):
    trainer = celery_workers("doomed")
    celery_workers("reaper", queues="celery", beat=True)
    job = training_job_create(requested_by=user, config=LONG)
    wait_for(job, lambda j: j.status == "running" and j.percent > 0)
    trainer.kill()
    killed_at = time.monotonic()
    job = wait_for(job, lambda j: j.is_finished, timeout=60)
    assert job.status == "failed" and "worker lost" in job.error
    assert time.monotonic() - killed_at < 6 + 2 + 10  # stale after 6 s, reaper every 2 s, + slack
    assert not ModelVersion.objects.filter(job=job).exists()


def test_two_workers_never_run_the_same_job_twice(celery_workers, user):
    celery_workers("first")
    celery_workers("second")
    job = training_job_create(requested_by=user, config=TINY)
    app.send_task("recognizer.training_job_run", args=[job.pk], queue="training")  # a duplicate delivery
    job = wait_for(job, lambda j: j.is_finished)
    time.sleep(3)  # let the duplicate be consumed too
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 1
    assert ModelVersion.objects.filter(job=job).count() == 1
