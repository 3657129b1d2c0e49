"""Launching a fine-tune of the serving model: the admin's form, manage.py train --warm-start
active, and the admin's "next retraining after N more reviews"."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from ml.config import FINE_TUNE
from recognizer.models import TrainingJob
from recognizer.selectors import model_version_get_active
from tests.recognizer.reviewed import reviewed_drawings_create

LAUNCH = reverse("admin:recognizer_trainingjob_launch")
FINE_TUNE_FORM = {"fine_tune": "Fine-tune the serving model", "fine_tune-epochs": "2", "fine_tune-learning_rate": "0.0003",
                  "fine_tune-replay_size": "5000", "fine_tune-seed": "0"}


@pytest.mark.django_db
def test_the_admin_fine_tune_form_queues_a_warm_start_job(admin_client, sent_tasks, django_capture_on_commit_callbacks):
    page = admin_client.get(LAUNCH).content.decode()
    assert "Fine-tune the serving model" in page and 'name="fine_tune-replay_size"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(LAUNCH, FINE_TUNE_FORM)
    job = TrainingJob.objects.get()
    assert response.status_code == 302 and sent_tasks == [[job.pk]]
    assert job.config["warm_start"] and job.config["replay_size"] == 5000 and job.include_user_drawings
    assert job.config["architecture"] == model_version_get_active().metadata["architecture"]
    assert job.trigger == "staff" and job.data_summary.startswith("fine-tune on")


@pytest.mark.django_db
def test_a_bad_fine_tune_form_is_a_form_error(admin_client, sent_tasks):
    response = admin_client.post(LAUNCH, {**FINE_TUNE_FORM, "fine_tune-replay_size": "-1"})
    assert response.status_code == 200 and "greater than or equal to 0" in response.content.decode()
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_the_job_list_says_how_many_reviews_until_the_next_retraining(admin_client, settings):
    settings.RETRAIN_AFTER_REVIEWS = 10
    reviewed_drawings_create(3)
    page = admin_client.get(reverse("admin:recognizer_trainingjob_changelist")).content.decode()
    assert "next retraining after 7 more reviews" in page


@pytest.mark.django_db
def test_train_warm_start_active_enqueues_a_fine_tune(sent_tasks, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("train", "--warm-start", "active", "--enqueue", "--replay-size", "1000")
    job = TrainingJob.objects.get()
    assert job.config == {**job.config, **FINE_TUNE, "replay_size": 1000} and job.include_user_drawings
    assert sent_tasks == [[job.pk]]


@pytest.mark.django_db
def test_fine_tuning_needs_a_serving_version(sent_tasks):
    from recognizer.models import ModelVersion

    ModelVersion.objects.update(is_active=False)
    with pytest.raises(CommandError, match="nothing to fine-tune"):
        call_command("train", "--warm-start", "active", "--enqueue")
    with pytest.raises(CommandError, match="replay_size is for fine-tuning"):
        call_command("train", "--replay-size", "1000", "--enqueue")
    assert not TrainingJob.objects.exists()
