"""The learning loop's trigger: a fine-tune job of the serving version once enough reviewed
drawings are newer than its training data (beat calls it through recognizer.tasks)."""

import logging

from django.conf import settings
from django.db import IntegrityError, transaction

from ml.config import FINE_TUNE
from recognizer.models import ModelVersion, TrainingJob
from recognizer.selectors import retraining_status_get
from recognizer.services.training import broker_check, training_job_create, training_job_enqueue

logger = logging.getLogger(__name__)


def training_job_trigger() -> TrainingJob | None:
    """The learning loop's periodic check (beat): queue one fine-tune job of the serving version
    when RETRAIN_AFTER_REVIEWS reviewed drawings are newer than its training data and no job is
    queued or running. None when it is not due (or off, or another call queued it).

    Exactly one job per trigger, however many beat processes or redelivered messages call this:
    the check and the insert run under a lock on the serving version's row, so concurrent calls
    take turns and the later one sees the first one's job; and the database refuses a second
    pending automatic job (the one_pending_triggered_job constraint) whatever the caller did.
    """
    if settings.RETRAIN_AFTER_REVIEWS <= 0:
        return None
    broker_check()
    with transaction.atomic():
        active = ModelVersion.objects.select_for_update().filter(is_active=True).first()
        if active is None:
            return None
        status = retraining_status_get()
        if status.pending_job is not None or status.remaining > 0:
            return None
        try:
            with transaction.atomic():
                config = {**FINE_TUNE, "replay_size": settings.RETRAIN_REPLAY_SIZE, "epochs": settings.RETRAIN_EPOCHS}
                job = training_job_create(requested_by=None, config=config, include_user_drawings=True,
                                          trigger=TrainingJob.Trigger.REVIEWS, enqueue=False)
        except IntegrityError:  # another trigger's job got there first
            logger.info("retraining trigger: a triggered job is already pending")
            return None
        logger.info("retraining trigger: %s new reviews since %s, queued fine-tune job %s",
                    status.new_reviews, status.since, job.pk)
        transaction.on_commit(lambda: training_job_enqueue(job=job))
    return job
