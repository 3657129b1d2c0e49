"""The Content-Security-Policy in a real browser: every page works under it, and Chromium
reports no violation (a refused inline script or style, or anything from another origin)."""

import pytest
from playwright.sync_api import expect

from recognizer.models import TrainingJob
from recognizer.services.drawings import drawing_create_with_prediction
from tests.canvases import seven_png
from tests.e2e.helpers import draw_seven, log_in

pytestmark = pytest.mark.e2e


def watch_violations(page) -> list[str]:
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
    return violations


def test_the_canvas_and_the_api_docs_work_under_the_policy(desktop_page):
    page = desktop_page
    violations = watch_violations(page)
    page.goto("/")
    draw_seven(page)
    expect(page.locator("#digit")).to_have_text("7")  # canvas.js ran, with the nonce'd config
    expect(page.locator("#preview")).to_be_visible()  # the data: URL image the model saw is shown
    page.goto("/api/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()  # Swagger UI from static files
    assert violations == []


def test_the_admin_works_under_the_policy(desktop_page, django_user_model):
    django_user_model.objects.create_superuser("root", password="x-long-password-9")
    drawing, _ = drawing_create_with_prediction(image=seven_png())
    job = TrainingJob.objects.create(config={})
    page = desktop_page
    violations = watch_violations(page)
    log_in(page, "root", "x-long-password-9")
    for path in ("/admin/", "/admin/recognizer/drawing/", f"/admin/recognizer/drawing/{drawing.pk}/change/",
                 "/admin/recognizer/drawing/stats/", "/admin/recognizer/trainingjob/launch/",
                 f"/admin/recognizer/trainingjob/{job.pk}/change/", "/admin/recognizer/modelversion/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto("/admin/recognizer/drawing/review/")
    expect(page.locator("#review-image")).to_be_visible()  # admin-review.js loaded the next drawing
    assert violations == []
