"""Celery tasks: thin wrappers that call a service. TensorFlow is imported inside the service's
call to ml.train, i.e. only in the worker child that runs a training job, never in the parent."""

from celery import shared_task
from django.conf import settings


@shared_task(
    bind=True,
    name="recognizer.training_job_run",
    acks_late=True,  # a worker lost mid-job leaves the message to be redelivered...
    reject_on_worker_lost=True,  # ...and the redelivery finds the job claimed, so it does nothing
    soft_time_limit=settings.TRAINING_SOFT_TIME_LIMIT,
    time_limit=settings.TRAINING_SOFT_TIME_LIMIT + 120,
)
def training_job_run(self, job_id: int) -> str:
    from recognizer.services.training_runs import training_job_run as run

    job = run(job_id=job_id, task_id=self.request.id or "", worker=self.request.hostname or "")
    return job.status if job is not None else "skipped: already claimed or finished"


@shared_task(name="recognizer.training_jobs_fail_stale")
def training_jobs_fail_stale() -> int:
    from recognizer.services.training import training_jobs_fail_stale as fail_stale

    return fail_stale()


@shared_task(name="recognizer.training_job_trigger")
def training_job_trigger() -> str:
    """Beat's learning-loop check: queue a fine-tune job when enough new reviews are in."""
    from recognizer.services.retraining import training_job_trigger as trigger

    job = trigger()
    return f"queued training job {job.pk}" if job is not None else "not due"
