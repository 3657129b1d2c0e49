"""Staff in real Chromium: launch a small training job, watch its progress bar reach 100%,
promote the new version, and the canvas answers with it. Needs a real worker (PostgreSQL pass)."""

import re

import pytest
from playwright.sync_api import expect

from recognizer.models import ModelVersion, TrainingJob
from tests.e2e.helpers import draw_seven, log_in
from tests.workers import needs_postgresql

pytestmark = [pytest.mark.e2e, pytest.mark.slow, needs_postgresql]


def test_staff_launch_watch_promote_and_serve(celery_workers, desktop_page, django_user_model, screenshot):
    celery_workers("trainer")
    django_user_model.objects.create_superuser("root", password="x-long-password-9")
    page = desktop_page
    log_in(page, "root", "x-long-password-9")

    page.goto("/admin/recognizer/trainingjob/")
    page.get_by_role("link", name="Launch training").click()
    page.fill("#id_epochs", "1")
    page.fill("#id_batch_size", "32")
    page.fill("#id_train_limit", "2000")
    page.fill("#id_validation_size", "200")
    screenshot(page, "admin-launch-training")
    page.get_by_role("button", name="Launch training").click()

    expect(page.locator(".job-progress")).to_be_visible()
    screenshot(page, "admin-training-job-running")
    # The page polls and reloads itself when the job finishes: no manual reload here.
    expect(page.locator(".job-status")).to_have_text("Succeeded", timeout=180_000)
    expect(page.locator(".job-progress")).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("svg.chart").first).to_be_visible()
    expect(page.locator("table.confusion")).to_be_visible()
    screenshot(page, "admin-training-job-succeeded")

    job = TrainingJob.objects.get()
    version = job.model_version
    page.get_by_role("link", name=version.name).first.click()
    page.fill("#id_reason", "tiny end-to-end model")
    page.check("#id_force")
    page.get_by_role("button", name="Promote to serving").click()
    expect(page.locator(".messagelist")).to_contain_text(re.compile(f"{version.name} is now serving", re.IGNORECASE))
    screenshot(page, "admin-model-version-promoted")
    assert ModelVersion.objects.get(is_active=True) == version

    page.goto("/")
    expect(page.locator(".model-version")).to_contain_text(version.name)
    draw_seven(page)
    expect(page.locator("#digit")).not_to_have_text("?")
    assert TrainingJob.objects.get().model_version.predictions.count() == 1
