"""The learning loop's trigger: one fine-tune job once RETRAIN_AFTER_REVIEWS reviewed drawings
are newer than the serving version's training data, never two (concurrent calls, two beat
processes, a redelivered message)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from recognizer.models import TrainingJob
from recognizer.selectors import retraining_status_get
from recognizer.services.retraining import training_job_trigger
from tests.recognizer.reviewed import reviewed_drawings_create
from tests.workers import needs_postgresql


@pytest.fixture
def threshold(settings):
    settings.RETRAIN_AFTER_REVIEWS = 5
    return 5


def triggered_jobs():
    return TrainingJob.objects.filter(trigger=TrainingJob.Trigger.REVIEWS)


@pytest.mark.django_db
def test_not_due_below_the_threshold(threshold, sent_tasks):
    reviewed_drawings_create(threshold - 1)
    assert training_job_trigger() is None
    status = retraining_status_get()
    assert status.remaining == 1 and status.text == "next retraining after 1 more reviews (4 of 5)"


@pytest.mark.django_db
def test_off_with_zero(settings, sent_tasks):
    settings.RETRAIN_AFTER_REVIEWS = 0
    reviewed_drawings_create(10)
    assert training_job_trigger() is None and not TrainingJob.objects.exists()
    assert "off" in retraining_status_get().text


@pytest.mark.django_db
def test_due_queues_one_fine_tune_job_after_commit(threshold, sent_tasks, django_capture_on_commit_callbacks):
    reviewed_drawings_create(threshold)
    with django_capture_on_commit_callbacks(execute=True):
        job = training_job_trigger()
    assert job is not None and job.trigger == "reviews" and job.status == "queued"
    assert job.config["warm_start"] and job.include_user_drawings and job.requested_by is None
    assert sent_tasks == [[job.pk]]
    assert training_job_trigger() is None  # a redelivered trigger message: the job is pending
    assert triggered_jobs().count() == 1


@pytest.mark.django_db
def test_a_pending_staff_job_also_holds_it_back(threshold, sent_tasks):
    reviewed_drawings_create(threshold)
    TrainingJob.objects.create(config={}, status=TrainingJob.Status.RUNNING)
    assert training_job_trigger() is None and not triggered_jobs().exists()


@pytest.mark.django_db
def test_after_a_triggered_job_it_waits_for_as_many_new_reviews(threshold, sent_tasks):
    reviewed_drawings_create(threshold)
    job = training_job_trigger()
    TrainingJob.objects.filter(pk=job.pk).update(status=TrainingJob.Status.FAILED)
    assert training_job_trigger() is None  # the reviews it was queued for do not count twice
    reviewed_drawings_create(threshold - 1, start=100)
    assert training_job_trigger() is None
    reviewed_drawings_create(1, start=200)
    assert training_job_trigger() is not None


@pytest.mark.django_db
def test_reviews_older_than_the_serving_versions_data_do_not_count(threshold, sent_tasks):
    from recognizer.selectors import model_version_get_active

    reviewed_drawings_create(threshold)
    active = model_version_get_active()
    trained = TrainingJob.objects.create(config={}, status=TrainingJob.Status.SUCCEEDED, include_user_drawings=True,
                                         user_drawings_cutoff=timezone.now() + timedelta(seconds=1))
    type(active).objects.filter(pk=active.pk).update(job=trained)
    assert retraining_status_get().new_reviews == 0 and training_job_trigger() is None


@pytest.mark.django_db
def test_the_database_refuses_a_second_pending_triggered_job():
    TrainingJob.objects.create(config={}, trigger=TrainingJob.Trigger.REVIEWS)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingJob.objects.create(config={}, trigger=TrainingJob.Trigger.REVIEWS, status=TrainingJob.Status.RUNNING)
    TrainingJob.objects.create(config={}, trigger=TrainingJob.Trigger.REVIEWS, status=TrainingJob.Status.SUCCEEDED)


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_triggers_queue_exactly_one_job(shipped_model_serving, threshold, sent_tasks):
    reviewed_drawings_create(threshold)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def call():
        try:
            barrier.wait()
            results.append(training_job_trigger())
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len([job for job in results if job is not None]) == 1
    assert triggered_jobs().count() == 1 and len(sent_tasks) == 1


@pytest.mark.slow
@needs_postgresql
def test_two_beat_processes_queue_exactly_one_job(celery_workers, threshold):
    reviewed_drawings_create(threshold)
    beat_env = {"RETRAIN_AFTER_REVIEWS": str(threshold), "RETRAIN_CHECK_SECONDS": "1"}
    first = celery_workers("beat-one", queues="celery", beat=True, env=beat_env)
    second = celery_workers("beat-two", queues="celery", beat=True, env=beat_env)
    deadline = time.monotonic() + 60
    while not triggered_jobs().exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(6)  # both beats go on sending the check every second meanwhile
    assert triggered_jobs().count() == 1
    assert triggered_jobs().get().status == "queued"  # no training worker here: it waits
    checks = sum(worker.log.read_text().count("recognizer.training_job_trigger") for worker in (first, second))
    assert checks >= 6  # the checks really ran, on both
