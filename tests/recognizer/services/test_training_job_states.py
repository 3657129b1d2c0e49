"""The training-job state machine, without a worker: create, claim, cancel, retry, reap."""

from datetime import timedelta

import pytest
from django.utils import timezone

from digitsite.celery import app
from recognizer.models import TrainingJob
from recognizer.services import training
from recognizer.services.training import (
    BrokerUnavailable,
    JobStateError,
    training_job_cancel,
    training_job_create,
    training_job_retry,
    training_jobs_fail_stale,
)
from recognizer.services.training_runs import training_job_run

TINY = {"epochs": 1, "train_limit": 1000}




@pytest.mark.django_db
def test_job_is_queued_only_after_commit(user, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = training_job_create(requested_by=user, config=TINY)
        assert sent_tasks == []  # not before the row is committed
    assert len(callbacks) == 1 and sent_tasks == [[job.pk]]
    job.refresh_from_db()
    assert job.status == "queued" and job.celery_task_id == "task-id" and job.config["epochs"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("config, message", [({"epochs": 0}, "epochs"), ({"colour": 1}, "unknown"),
                                             ({"use_mnist": False}, "source of training data")])
def test_invalid_config_creates_nothing(user, sent_tasks, config, message):
    with pytest.raises(ValueError, match=message):
        training_job_create(requested_by=user, config=config)
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_redis_down_at_launch_is_a_clear_error_and_creates_no_job(user, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    with pytest.raises(BrokerUnavailable, match="not reachable"):
        training_job_create(requested_by=user, config=TINY)
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_send_failing_after_commit_marks_the_job_failed_not_queued(user, monkeypatch, django_capture_on_commit_callbacks):
    def refuse(args):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr("recognizer.tasks.training_job_run.apply_async", refuse)
    with pytest.raises(BrokerUnavailable, match="could not be queued"):
        with django_capture_on_commit_callbacks(execute=True):
            training_job_create(requested_by=user, config=TINY)
    job = TrainingJob.objects.get()
    assert job.status == "failed" and "could not be queued" in job.error


@pytest.mark.django_db
def test_a_claimed_or_finished_job_is_not_run_again(user, sent_tasks):
    job = TrainingJob.objects.create(config=TINY, status=TrainingJob.Status.RUNNING)
    assert training_job_run(job_id=job.pk) is None
    job.status = TrainingJob.Status.SUCCEEDED
    job.save()
    assert training_job_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 0


@pytest.mark.django_db
def test_cancel_queued_job_is_immediate_and_then_never_runs(user, sent_tasks):
    job = training_job_cancel(job=TrainingJob.objects.create(config=TINY))
    assert job.status == "cancelled" and job.finished_at
    assert training_job_run(job_id=job.pk) is None


@pytest.mark.django_db
def test_cancel_running_job_sets_the_flag(sent_tasks):
    job = training_job_cancel(job=TrainingJob.objects.create(config=TINY, status=TrainingJob.Status.RUNNING))
    assert job.status == "running" and job.cancel_requested


@pytest.mark.django_db
def test_cancel_finished_job_is_an_error(sent_tasks):
    job = TrainingJob.objects.create(config=TINY, status=TrainingJob.Status.SUCCEEDED)
    with pytest.raises(JobStateError):
        training_job_cancel(job=job)


@pytest.mark.django_db
def test_retry_copies_the_config(user, sent_tasks, django_capture_on_commit_callbacks):
    failed = TrainingJob.objects.create(config={**TINY, "seed": 3}, status=TrainingJob.Status.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        retry = training_job_retry(job=failed, requested_by=user)
    assert retry.status == "queued" and retry.retry_of == failed and retry.config["seed"] == 3
    with pytest.raises(JobStateError):
        training_job_retry(job=retry, requested_by=user)


@pytest.mark.django_db
def test_reaper_fails_running_jobs_without_a_recent_heartbeat():
    now = timezone.now()
    stale = TrainingJob.objects.create(config=TINY, status="running", heartbeat_at=now - timedelta(minutes=5))
    alive = TrainingJob.objects.create(config=TINY, status="running", heartbeat_at=now)
    assert training_jobs_fail_stale(older_than=timedelta(seconds=60)) == 1
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == "failed" and "worker lost" in stale.error
    assert alive.status == "running"


def test_broker_check_passes_when_redis_answers():
    training.broker_check()
