"""The training-job state machine: create (validated, queued after commit), cancel, retry, reap.

States: queued -> running -> succeeded | failed | cancelled. Every transition out of a state is a
conditional UPDATE on that state, so two workers (or a redelivered task, or the reaper racing a
slow worker) can never both move the same job. Running a claimed job is training_runs.py; the
learning loop's periodic trigger is retraining.py.
"""

from datetime import timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from digitsite.celery import app as celery_app
from ml.data import DatasetError
from ml.config import TrainConfig
from recognizer.broker import redis_ping
from recognizer.models import TrainingJob
from recognizer.selectors import model_version_get_active, training_data_count
from recognizer.services.artifacts import artifact_has_keras
from recognizer.tasks import training_job_run as training_job_run_task


class BrokerUnavailable(Exception):
    """Redis (the Celery broker) does not answer, so a job cannot be queued."""


class JobStateError(Exception):
    """The job is not in a state that allows this (e.g. cancelling a finished job)."""


def broker_check() -> None:
    """Raise BrokerUnavailable unless the Celery broker answers within a few seconds."""
    try:
        redis_ping(celery_app.conf.broker_url, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    except (redis.RedisError, ValueError) as exc:  # nothing there, or a malformed URL
        raise BrokerUnavailable(f"Redis at {settings.REDIS_URL} is not reachable ({exc}); start Redis and try again") from exc


def training_config_validate(*, config: TrainConfig, include_user_drawings: bool, user_drawings_cutoff=None) -> None:
    """Raise ValueError for a configuration the worker would refuse once it has loaded the data,
    so a job that is queued can run: the same rules as ml.train's, on the data's real size."""
    if not config.use_mnist and not include_user_drawings:
        raise ValueError("choose at least one source of training data")
    try:
        count = training_data_count(use_mnist=config.use_mnist, train_limit=config.train_limit,
                                    include_user_drawings=include_user_drawings,
                                    cutoff=user_drawings_cutoff or (timezone.now() if include_user_drawings else None))
    except (DatasetError, OSError) as exc:  # a missing, unreadable or corrupt MNIST copy
        raise ValueError(f"the training data cannot be read: {exc}") from exc
    if count == 0:
        raise ValueError("no training data: there are no reviewed user drawings to train on yet (add MNIST)")
    config.check_data_size(count)


def training_job_create(
    *,
    requested_by,
    config: dict,
    include_user_drawings: bool = False,
    user_drawings_cutoff=None,
    retry_of: TrainingJob | None = None,
    enqueue: bool = True,
    trigger: str = TrainingJob.Trigger.STAFF,
) -> TrainingJob:
    """Validate, record and queue a training job. Raises ValueError, BrokerUnavailable.

    The task is sent only after the row is committed, so a worker always finds its job. If Redis
    fails at that moment, the job is marked failed with the reason: never left queued for nothing.
    With enqueue=False the job is only recorded, for the caller to run in-process.
    A warm-start (fine-tune) job starts from the serving version's weights, so it trains that
    version's architecture, on the reviewed user drawings.
    """
    train_config = TrainConfig.from_dict(config)
    if train_config.warm_start:
        train_config = _fine_tune_config(train_config)
        include_user_drawings = True
    training_config_validate(config=train_config, include_user_drawings=include_user_drawings,
                             user_drawings_cutoff=user_drawings_cutoff)
    if enqueue:
        broker_check()
    with transaction.atomic():
        job = TrainingJob.objects.create(
            config=train_config.to_dict(),
            include_user_drawings=include_user_drawings,
            user_drawings_cutoff=user_drawings_cutoff or (timezone.now() if include_user_drawings else None),
            requested_by=requested_by,
            retry_of=retry_of,
            trigger=trigger,
        )
        if enqueue:
            transaction.on_commit(lambda: training_job_enqueue(job=job))
    job.refresh_from_db()
    return job


# Not mnist_canvas_renders: those redraws are MNIST's own digits again (an augmentation, not new
# writers), and drawing all 60,000 takes minutes on a cold cache; the replayed MNIST digits still
# get the in-batch pen redraw.
FINE_TUNE_INHERITS = ("pendigits_writers", "pendigits_renders", "stroke_jitter", "non_digits", "class_balance")


def _fine_tune_config(config: TrainConfig) -> TrainConfig:
    active = model_version_get_active()
    if active is None:
        raise ValueError("no model version is serving: there is nothing to fine-tune")
    if not artifact_has_keras(artifact_path=active.artifact_path):
        raise ValueError(f"{active.name} has no model.keras to fine-tune from")
    # The fine-tune trains the serving version's network on what it learned from besides MNIST
    # (its real writers and generated non-digits: the replay of "its earlier data"), so an
    # eleven-class model stays one.
    parent_config = active.metadata.get("config") or {}
    inherited = {key: parent_config[key] for key in FINE_TUNE_INHERITS if key in parent_config}
    architecture = active.metadata.get("architecture") or config.architecture
    return TrainConfig.from_dict({**config.to_dict(), **inherited, "architecture": architecture})


def training_job_enqueue(*, job: TrainingJob) -> None:
    """Send a committed job to the training queue (call it from transaction.on_commit). If Redis
    refuses, the job is marked failed with the reason and BrokerUnavailable is raised."""
    try:
        result = training_job_run_task.apply_async(args=[job.pk])
    except Exception as exc:
        TrainingJob.objects.filter(pk=job.pk, status=TrainingJob.Status.QUEUED).update(
            status=TrainingJob.Status.FAILED, finished_at=timezone.now(), error=f"could not be queued: {exc}"
        )
        raise BrokerUnavailable(f"the job could not be queued: Redis at {settings.REDIS_URL} failed ({exc})") from exc
    TrainingJob.objects.filter(pk=job.pk).update(celery_task_id=result.id)


def training_job_cancel(*, job: TrainingJob) -> TrainingJob:
    """A queued job is cancelled at once; a running one at its next progress check (seconds)."""
    cancelled_while_queued = TrainingJob.objects.filter(pk=job.pk, status=TrainingJob.Status.QUEUED).update(
        status=TrainingJob.Status.CANCELLED, finished_at=timezone.now(), cancel_requested=True
    )
    if not cancelled_while_queued:
        flagged = TrainingJob.objects.filter(pk=job.pk, status=TrainingJob.Status.RUNNING).update(cancel_requested=True)
        if not flagged:
            raise JobStateError(f"job {job.pk} has already finished")
    job.refresh_from_db()
    return job


def training_job_retry(*, job: TrainingJob, requested_by) -> TrainingJob:
    """A new job with the same configuration as a failed or cancelled one."""
    if job.status not in (TrainingJob.Status.FAILED, TrainingJob.Status.CANCELLED):
        raise JobStateError("only failed or cancelled jobs can be retried")
    return training_job_create(
        requested_by=requested_by,
        config=job.config,
        include_user_drawings=job.include_user_drawings,
        user_drawings_cutoff=job.user_drawings_cutoff,
        retry_of=job,
    )


def training_jobs_fail_stale(*, older_than: timedelta | None = None) -> int:
    """Running jobs whose worker stopped sending heartbeats are failed ("worker lost")."""
    older_than = older_than or timedelta(seconds=settings.TRAINING_STALE_SECONDS)
    now = timezone.now()
    return TrainingJob.objects.filter(status=TrainingJob.Status.RUNNING, heartbeat_at__lt=now - older_than).update(
        status=TrainingJob.Status.FAILED,
        finished_at=now,
        error=f"worker lost: no heartbeat for over {int(older_than.total_seconds())} s",
    )
