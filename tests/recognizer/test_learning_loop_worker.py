"""The learning loop on real processes, against PostgreSQL and Redis: reviewed drawings in, beat's
trigger queues a fine-tune job, a training worker fine-tunes the serving model (a small job:
300 MNIST images replayed, 1 epoch), the gate judges it and auto-promotion acts on the verdict."""

import pytest

from recognizer.models import ModelVersionChange, TrainingJob
from recognizer.selectors import model_version_get_active
from tests.recognizer.reviewed import reviewed_drawings_create
from tests.workers import needs_postgresql, wait_for

pytestmark = [pytest.mark.slow, needs_postgresql]

LOOP_ENV = {"RETRAIN_AFTER_REVIEWS": "40", "RETRAIN_CHECK_SECONDS": "1", "RETRAIN_REPLAY_SIZE": "300",
            "RETRAIN_EPOCHS": "1", "RETRAIN_AUTO_PROMOTE": "1"}


def test_new_reviews_lead_to_a_gated_fine_tuned_version(celery_workers):
    shipped = model_version_get_active()
    reviewed_drawings_create(40)
    celery_workers("trainer", env=LOOP_ENV)
    celery_workers("beat", queues="celery", beat=True, env=LOOP_ENV)

    job = None
    for _ in range(120):
        job = TrainingJob.objects.filter(trigger=TrainingJob.Trigger.REVIEWS).first()
        if job is not None:
            break
        __import__("time").sleep(0.5)
    assert job is not None, "the trigger never queued a job"
    job = wait_for(job, lambda j: j.is_finished, timeout=600)
    assert job.status == "succeeded", job.error + job.log_tail
    assert TrainingJob.objects.filter(trigger=TrainingJob.Trigger.REVIEWS).count() == 1

    version = job.model_version
    assert version.parent == shipped
    assert version.metadata["initial_model"]["artifact"] == shipped.artifact_path  # warm start, for real
    assert version.data_snapshot["fine_tuned_from"] == shipped.name and version.data_snapshot["user_drawings"] == 40
    assert version.metrics["mnist_test"]["accuracy"] > 0.98  # it started from the shipped weights
    assert version.gate["baseline"] == shipped.name and {"mnist_test", "canvas_style"} <= set(version.gate["baseline_metrics"])

    version.refresh_from_db()
    automatic = ModelVersionChange.objects.filter(to_version=version, automatic=True)
    if version.is_blessed:
        assert version.is_active and automatic.count() == 1, job.log_tail
    else:
        assert not version.is_active and not automatic.exists(), job.log_tail
        assert model_version_get_active() == shipped
