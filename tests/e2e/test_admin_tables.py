"""Admin lists and pages at 1,400 px: every column visible without a sideways scroll; on phones
the page itself never scrolls sideways (issue 20, item 8), with axe passing."""

import json

import pytest
from django.utils import timezone

from recognizer.models import Drawing, ModelVersionChange, TrainingJob
from recognizer.selectors import model_version_get_active
from recognizer.services.drawings import drawing_create_with_prediction
from recognizer.services.reviews import drawing_review_label
from tests.canvases import seven_png
from tests.e2e.helpers import axe_violations, log_in

pytestmark = pytest.mark.e2e

LISTS = ["/admin/recognizer/drawing/", "/admin/recognizer/trainingjob/", "/admin/recognizer/modelversion/",
         "/admin/recognizer/labelchange/", "/admin/recognizer/modelversionchange/"]


@pytest.fixture
def wide_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    yield context.new_page()
    context.close()


@pytest.fixture
def admin_data(django_user_model):
    root = django_user_model.objects.create_superuser("root", password="x-long-password-9")
    for label in (7, 1, None):
        drawing, _ = drawing_create_with_prediction(image=seven_png(), owner=root)
        if label is not None:
            drawing_review_label(drawing=drawing, reviewed_by=root, label=label)
    Drawing.objects.update(user_label=3)
    version = model_version_get_active()
    job = TrainingJob.objects.create(config={"epochs": 7, "train_limit": 2000}, include_user_drawings=True,
                                     requested_by=root, status="running", started_at=timezone.now(),
                                     progress={"stage": "training", "epoch": 3, "epochs": 7, "percent": 38.5, "eta": 250})
    TrainingJob.objects.create(config={}, requested_by=root, status="failed", error="ValueError: x")
    ModelVersionChange.objects.create(kind="promote", to_version=version, changed_by=root, forced=True,
                                      reason="a reason long enough to need more than one line in its column")
    return root, version, job


def test_admin_lists_fit_1400_px(wide_page, admin_data, screenshot):
    page = wide_page
    log_in(page, "root", "x-long-password-9")
    for path in LISTS:
        page.goto(path)
        table = page.locator("#result_list")
        overflow = page.evaluate("""() => { const results = document.querySelector('.results');
            return [results.scrollWidth, results.clientWidth, document.documentElement.scrollWidth, window.innerWidth]; }""")
        assert overflow[0] <= overflow[1] and overflow[2] <= overflow[3], (path, overflow)
        last = table.locator("thead th").last.bounding_box()
        assert last["x"] + last["width"] <= 1400, (path, last)
        screenshot(page, "admin-list-" + path.strip("/").split("/")[-1] + "-1400")
        violations = axe_violations(page)
        assert violations == [], (path, json.dumps(violations, indent=1))
