"""The admin screens this round changed, in real Chromium on a desktop and a 360-px phone:
statistics, launch form, job and model-version pages, a drawing's page. Screenshots for the
README and reviewers, axe passing, and no sideways scroll of the page on the phone."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recognizer.models import Drawing, ModelVersion, TrainingJob
from recognizer.selectors import model_version_get_active
from recognizer.services.drawings import drawing_create_with_prediction
from recognizer.services.reviews import drawing_review_label
from tests.canvases import seven_png
from tests.e2e.helpers import axe_violations, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def screens(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-9")
    drawings = []
    for age, label in ((2, 7), (1, 7), (1, 1), (0, 7)):
        drawing, _ = drawing_create_with_prediction(image=seven_png(), owner=root)
        Drawing.objects.filter(pk=drawing.pk).update(created_at=timezone.now() - timedelta(days=age))
        drawing_review_label(drawing=drawing, reviewed_by=root, label=label)
        drawings.append(drawing)
    version = model_version_get_active()
    confusion = [[0] * 10 for _ in range(10)]
    confusion[7][7], confusion[1][7] = 3, 1
    metrics = {**version.metrics, "user_holdout": {"count": 4, "accuracy": 0.75, "confusion_matrix": confusion,
                                                   "per_digit_accuracy": [0, 0.0, 0, 0, 0, 0, 0, 1.0, 0, 0]}}
    ModelVersion.objects.filter(pk=version.pk).update(metrics=metrics)
    start = timezone.now() - timedelta(minutes=8)
    job = TrainingJob.objects.create(
        config={"epochs": 3, "train_limit": 2000}, requested_by=root, status="succeeded", started_at=start,
        finished_at=start + timedelta(seconds=429), progress={"stage": "done", "percent": 100.0},
        history=[{"epoch": e, "loss": 0.5 / e, "accuracy": 0.9 + e / 40, "val_loss": 0.4 / e, "val_accuracy": 0.92 + e / 50}
                 for e in (1, 2, 3)])
    ModelVersion.objects.filter(pk=version.pk).update(job=job)
    return {
        "statistics": "/admin/recognizer/drawing/stats/",
        "launch": "/admin/recognizer/trainingjob/launch/",
        "job": f"/admin/recognizer/trainingjob/{job.pk}/change/",
        "model-version": f"/admin/recognizer/modelversion/{version.pk}/change/",
        "drawing": f"/admin/recognizer/drawing/{drawings[0].pk}/change/",
    }


@pytest.mark.parametrize("viewport", ["desktop_page", "small_phone"])
def test_admin_screens(request, viewport, screens, screenshot):
    page = request.getfixturevalue(viewport)
    suffix = "desktop" if viewport == "desktop_page" else "phone-360"
    log_in(page, "root", "x-long-password-9")
    for name, path in screens.items():
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
        if name in ("statistics", "job"):
            expect(page.locator("svg.chart").first).to_be_visible()
        screenshot(page, f"admin-{name}-{suffix}")
        violations = axe_violations(page)
        assert violations == [], (name, json.dumps(violations, indent=1))
        if viewport == "small_phone":
            # Against the phone's width: a mobile browser widens innerWidth to fit a page that overflows.
            assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], name
