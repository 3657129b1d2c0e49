"""The job page in real Chromium while its job changes under it: status, bar and duration always
agree (issue 20, item 4), on a desktop and on a 360-px phone, with axe passing."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recognizer.models import TrainingJob
from tests.e2e.helpers import axe_violations, log_in

pytestmark = pytest.mark.e2e


def test_job_page_opened_while_queued_follows_the_job(desktop_page, django_user_model, screenshot):
    django_user_model.objects.create_superuser("root", password="x-long-password-9")
    job = TrainingJob.objects.create(config={"epochs": 1, "train_limit": 2000})
    page = desktop_page
    log_in(page, "root", "x-long-password-9")
    page.goto(f"/admin/recognizer/trainingjob/{job.pk}/change/")
    status, bar_text, duration = page.locator(".job-status"), page.locator(".job-progress-text"), page.locator(".job-duration")
    expect(status).to_have_text("Queued")
    expect(duration).to_have_text("—")

    # A worker claims it and reports progress, as training_job_run and its reporter do.
    TrainingJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now() - timedelta(seconds=5), worker="w1", attempts=1,
        heartbeat_at=timezone.now(),
        progress={"stage": "training", "epoch": 1, "epochs": 1, "percent": 75.0, "eta": 3})
    expect(bar_text).to_have_text("epoch 1/1 · 75%, 3 s left")
    expect(status).to_have_text("Running")
    expect(page.locator(".job-progress")).to_have_attribute("aria-valuenow", "75")
    assert page.evaluate("document.querySelector('.job-progress-fill').style.width") == "75%"
    first = duration.text_content()
    assert first.endswith(" s") and first != "0 s" and first != "—"
    expect(duration).not_to_have_text(first, timeout=5000)  # it keeps counting while the job runs
    assert page.locator(".field-worker").inner_text().strip().endswith("w1")  # the page reloaded on the change
    expect(page.locator(".job-heartbeat")).to_contain_text(" s ago")
    screenshot(page, "admin-training-job-live")
    assert axe_violations(page) == []

    TrainingJob.objects.filter(pk=job.pk).update(status="succeeded", finished_at=timezone.now(),
                                                  progress={"stage": "done", "percent": 100.0})
    expect(status).to_have_text("Succeeded")
    expect(bar_text).to_have_text("Succeeded")
    expect(page.locator(".job-heartbeat")).to_have_text("—")
    settled = duration.text_content()
    page.wait_for_timeout(2500)
    assert duration.text_content() == settled  # a finished job's duration no longer moves


def test_job_list_updates_status_and_duration_with_the_bar(phone_page, django_user_model, screenshot):
    django_user_model.objects.create_superuser("root", password="x-long-password-9")
    job = TrainingJob.objects.create(config={"epochs": 1, "train_limit": 2000})
    page = phone_page
    log_in(page, "root", "x-long-password-9")
    page.goto("/admin/recognizer/trainingjob/")
    row = page.locator(f"#result_list tr:has([data-job-id='{job.pk}'])")
    expect(row.locator(".job-status")).to_have_text("Queued")
    TrainingJob.objects.filter(pk=job.pk).update(
        status="running", started_at=timezone.now() - timedelta(seconds=65),
        progress={"stage": "training", "epoch": 1, "epochs": 1, "percent": 40.0})
    expect(row.locator(".job-progress-text")).to_have_text("epoch 1/1 · 40%")
    expect(row.locator(".job-status")).to_have_text("Running")
    expect(row.locator(".job-duration")).to_contain_text("1 min")
    screenshot(page, "admin-training-jobs-phone")
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)
