"""manage.py train: in-process with a progress bar (slow: trains), or --enqueue."""

import pytest
from django.core.management import CommandError, call_command

from recognizer.models import TrainingJob


@pytest.mark.django_db
@pytest.mark.slow
def test_train_in_process_records_a_job_and_a_version(capsys, settings, tmp_path):
    settings.MODEL_DIR = tmp_path
    call_command("train", "--epochs", "1", "--batch-size", "32", "--train-limit", "2000")
    job = TrainingJob.objects.get()
    assert job.status == "succeeded" and job.worker == "manage.py train" and job.attempts == 1
    assert not job.model_version.is_active
    # Scored on the canvas-style set too (a few hundred digits under the test settings), per digit.
    canvas = job.model_version.metrics["canvas_style"]
    assert canvas["count"] == settings.CANVAS_STYLE_EVAL_SIZE and len(canvas["per_digit_accuracy"]) == 10
    output = capsys.readouterr().out
    assert "epoch 1/1 [" in output and f"model version {job.model_version.name}" in output
    assert f"canvas-style {canvas['accuracy']:.2%}" in output


@pytest.mark.django_db
def test_train_enqueue_queues_a_job(sent_tasks, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("train", "--enqueue", "--epochs", "2")
    job = TrainingJob.objects.get()
    assert job.status == "queued" and job.config["epochs"] == 2 and sent_tasks == [[job.pk]]
    assert f"training job {job.pk} queued" in capsys.readouterr().out


@pytest.mark.django_db
def test_train_rejects_a_bad_config():
    with pytest.raises(CommandError, match="epochs"):
        call_command("train", "--epochs", "0")
    assert not TrainingJob.objects.exists()
