"""The admin's training and registry screens: launch, live progress, cancel, retry, promote, roll back."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from digitsite.celery import app
from recognizer.models import ModelVersion, ModelVersionChange, TrainingJob
from recognizer.selectors import model_version_get_active
from recognizer.services.model_versions import model_version_register
from tests.helpers import SHIPPED


LAUNCH = reverse("admin:recognizer_trainingjob_launch")
VALID = {"architecture": "cnn-bn", "epochs": 1, "batch_size": 32, "learning_rate": 0.003, "augment": "on",
         "redraw_fraction": 0.5, "seed": 0,
         "validation_size": 200, "use_mnist": "on", "train_limit": 2000}


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-long-password-9"))
    return client


@pytest.fixture
def staff_client(client, django_user_model):
    """Staff who may look at jobs and versions but not launch, cancel or promote."""
    staff = django_user_model.objects.create_user("viewer", password="x-long-password-8", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["view_trainingjob", "view_modelversion"]))
    client.force_login(staff)
    return client




@pytest.mark.django_db
def test_launch_form_queues_a_job(admin_client, sent_tasks, django_capture_on_commit_callbacks):
    assert admin_client.get(LAUNCH).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(LAUNCH, VALID)
    job = TrainingJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("admin:recognizer_trainingjob_change", args=[job.pk])
    assert sent_tasks == [[job.pk]] and job.config["train_limit"] == 2000 and job.requested_by.username == "root"


@pytest.mark.django_db
@pytest.mark.parametrize("change, message", [({"epochs": 0}, "greater than or equal to 1"),
                                             ({"use_mnist": ""}, "at least one source")])
def test_launch_form_errors_are_shown(admin_client, sent_tasks, change, message):
    response = admin_client.post(LAUNCH, {**VALID, **change})
    assert response.status_code == 200 and message in response.content.decode()
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_launch_with_redis_down_is_a_clear_error_and_no_job(admin_client, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = admin_client.post(LAUNCH, VALID)
    assert response.status_code == 200
    assert "Training needs Redis" in response.content.decode()
    assert not TrainingJob.objects.exists()


@pytest.mark.django_db
def test_job_list_and_progress_endpoint(admin_client):
    job = TrainingJob.objects.create(config={"epochs": 2}, status="running",
                                     progress={"stage": "training", "epoch": 1, "epochs": 2, "percent": 42.0, "eta": 30})
    page = admin_client.get(reverse("admin:recognizer_trainingjob_changelist")).content.decode()
    assert f'data-job-id="{job.pk}"' in page and 'data-percent="42"' in page and "admin-training.js" in page
    data = admin_client.get(reverse("admin:recognizer_trainingjob_progress") + f"?ids={job.pk},x").json()
    assert data["jobs"] == [{"id": job.pk, "status": "running", "status_display": "Running", "percent": 42.0,
                             "text": "epoch 1/2 · 42%, 30 s left", "epoch": 1, "epochs": 2, "eta": 30, "error": "",
                             "duration": "—", "heartbeat": "—"}]


@pytest.mark.django_db
def test_job_page_shows_curves_and_confusion_matrix(admin_client):
    job = TrainingJob.objects.create(config={"epochs": 2}, status="succeeded", history=[
        {"epoch": 1, "loss": 0.5, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.95},
        {"epoch": 2, "loss": 0.2, "accuracy": 0.97, "val_loss": 0.1, "val_accuracy": 0.98}])
    ModelVersion.objects.filter(is_active=True).update(job=job)
    page = admin_client.get(reverse("admin:recognizer_trainingjob_change", args=[job.pk])).content.decode()
    assert "Loss per epoch" in page and "Accuracy per epoch" in page and "<polyline" in page
    assert 'class="confusion"' in page and "Retry job" not in page


@pytest.mark.django_db
def test_cancel_and_retry_buttons(admin_client, sent_tasks, django_capture_on_commit_callbacks):
    job = TrainingJob.objects.create(config={"epochs": 1, "train_limit": 1000})
    admin_client.post(reverse("admin:recognizer_trainingjob_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:recognizer_trainingjob_retry", args=[job.pk]))
    retry = TrainingJob.objects.get(retry_of=job)
    assert response["Location"] == reverse("admin:recognizer_trainingjob_change", args=[retry.pk])
    assert retry.status == "queued" and sent_tasks == [[retry.pk]]


@pytest.mark.django_db
def test_staff_without_permissions_cannot_launch_cancel_or_promote(staff_client, sent_tasks):
    assert staff_client.get(reverse("admin:recognizer_trainingjob_changelist")).status_code == 200
    assert staff_client.get(LAUNCH).status_code == 403
    assert staff_client.post(LAUNCH, VALID).status_code == 403
    job = TrainingJob.objects.create(config={"epochs": 1})
    assert staff_client.post(reverse("admin:recognizer_trainingjob_cancel", args=[job.pk])).status_code == 403
    version = model_version_get_active()
    assert staff_client.post(reverse("admin:recognizer_modelversion_promote", args=[version.pk])).status_code == 403
    assert staff_client.post(reverse("admin:recognizer_modelversion_rollback")).status_code == 403
    assert not TrainingJob.objects.exclude(pk=job.pk).exists()


@pytest.mark.django_db
def test_non_staff_never_reach_the_training_admin(alice_client):
    response = alice_client.get(LAUNCH)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_promote_and_roll_back_from_the_admin(admin_client, model_dir):
    shipped = model_version_get_active()
    ModelVersionChange.objects.all().delete()  # the shipping migrations' own promotions
    candidate = model_version_register(artifact_dir=model_dir.copy("candidate"))

    page = admin_client.get(reverse("admin:recognizer_modelversion_change", args=[candidate.pk])).content.decode()
    assert "Promote to serving" in page and 'class="confusion"' in page
    # Every evaluation (MNIST test, canvas-style, real writers), each with its accuracy per digit;
    # the list shows the columns.
    canvas = candidate.metrics["canvas_style"]
    assert "MNIST test set:" in page and "Canvas-style set" in page
    assert page.count("Accuracy per digit") == len({"mnist_test", "canvas_style", "real_writer"} & set(candidate.metrics)) == 3
    assert f"{canvas['accuracy']:.2%} of {canvas['count']}" in page
    listing = admin_client.get(reverse("admin:recognizer_modelversion_changelist")).content.decode()
    assert "canvas-style" in listing.lower() and f"{canvas['accuracy']:.2%}" in listing
    admin_client.post(reverse("admin:recognizer_modelversion_promote", args=[candidate.pk]), {"reason": "newer"})
    assert model_version_get_active() == candidate
    page = admin_client.get(reverse("admin:recognizer_modelversion_change", args=[candidate.pk])).content.decode()
    assert f"Roll back to {SHIPPED}" in page
    admin_client.post(reverse("admin:recognizer_modelversion_rollback"), {"reason": "regression"})
    assert model_version_get_active() == shipped
    assert list(ModelVersionChange.objects.values_list("kind", flat=True)) == ["rollback", "promote"]
    assert admin_client.get(reverse("admin:recognizer_modelversionchange_changelist")).status_code == 200


NOT_IDS = ["abc", "1.5", "%00", "-1", "99999999999999999999999", "%F0%9F%98%80"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["trainingjob", "modelversion"])
def test_change_views_with_ids_that_are_not_ids_redirect_like_the_stock_admin(admin_client, model):
    for object_id in NOT_IDS:
        for suffix in ("change/", "history/", "delete/"):
            response = admin_client.get(f"/admin/recognizer/{model}/{object_id}/{suffix}")
            assert response.status_code in (302, 403, 404), (object_id, suffix, response.status_code)
        response = admin_client.get(f"/admin/recognizer/{model}/{object_id}/change/")
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")


@pytest.mark.django_db
def test_bulk_cancel_racing_a_job_that_just_finished(admin_client, monkeypatch):
    from recognizer.admin import training_jobs
    from recognizer.services.training import training_job_cancel

    first, second = (TrainingJob.objects.create(config={}, status=TrainingJob.Status.RUNNING) for _ in range(2))

    def cancel_while_the_other_finishes(*, job):
        TrainingJob.objects.filter(pk=second.pk).update(status=TrainingJob.Status.SUCCEEDED)
        return training_job_cancel(job=job)

    monkeypatch.setattr(training_jobs, "training_job_cancel", cancel_while_the_other_finishes)
    response = admin_client.post(reverse("admin:recognizer_trainingjob_changelist"),
                                 {"action": "cancel_selected", "_selected_action": [first.pk, second.pk]}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Cancel requested for 1 job(s)" in text and f"Already finished, not cancelled: job(s) {second.pk}" in text
    assert TrainingJob.objects.get(pk=second.pk).status == TrainingJob.Status.SUCCEEDED


@pytest.mark.django_db
def test_promoting_a_version_whose_metadata_is_not_an_object_is_refused_not_a_500(admin_client, model_dir):
    candidate = model_version_register(artifact_dir=model_dir.copy("candidate"))
    (model_dir.path / "candidate" / "metadata.json").write_text("[]")
    response = admin_client.post(reverse("admin:recognizer_modelversion_promote", args=[candidate.pk]),
                                 {"reason": "try"}, follow=True)
    assert response.status_code == 200 and "Not promoted" in response.content.decode()
    assert model_version_get_active().name == SHIPPED


@pytest.mark.django_db
def test_no_admin_object_url_answers_500_for_any_id(admin_client):
    """Every registered model's change, history and delete pages, with ids of every wrong kind."""
    from django.contrib import admin

    admin_client.raise_request_exception = False
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
        for object_id in [*NOT_IDS, "00000000-0000-0000-0000-000000000000", "0"]:
            for suffix in ("change/", "history/", "delete/"):
                response = admin_client.get(f"{base}/{object_id}/{suffix}")
                assert response.status_code < 500, (base, object_id, suffix, response.status_code)
