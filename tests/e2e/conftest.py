"""Real Chromium (Debian's, never a downloaded one) driven by Playwright against live_server."""

import json
import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in this thread; Django's ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


NODE_MODULES = Path(__file__).resolve().parent.parent.parent / "node_modules"


@pytest.fixture
def desktop_page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A 390x844 touch phone at devicePixelRatio 3, like an iPhone 12-15."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=3, has_touch=True,
                                  is_mobile=True, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def active_model(transactional_db, settings):
    """live_server tests run in transactions that are flushed, data migrations included."""
    from recognizer.models import ModelVersion
    from recognizer.services.model_versions import model_version_register

    if not ModelVersion.objects.filter(is_active=True).exists():
        model_version_register(artifact_dir=settings.SHIPPED_MODEL_DIR, activate=True)


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        page.wait_for_timeout(400)  # let the bars' width transition finish
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def log_in(page, username, password):
    """Log in through the admin's login form (staff and reviewers)."""
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def axe_violations(page, tags=("wcag2a", "wcag2aa")) -> list:
    """axe-core's WCAG 2 A/AA violations on the page as it is now (`tags`: axe's rule tags, e.g. add
    "wcag21a", "wcag21aa" for WCAG 2.1). axe is evaluated through the DevTools protocol: the site's
    Content-Security-Policy rightly refuses an injected <script>."""
    page.evaluate((NODE_MODULES / "axe-core" / "axe.min.js").read_text())
    result = page.evaluate("axe.run(document, {runOnly: %s})" % json.dumps(list(tags)))
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
