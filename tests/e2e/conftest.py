"""Real Chromium (Debian's, never a downloaded one) driven by Playwright against live_server."""

import os
from pathlib import Path

import pytest

from tests.e2e.helpers import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API keeps an event loop running in this thread; Django's ORM calls made by
# the test itself are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


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


@pytest.fixture
def small_phone(browser, live_server):
    """A 360x740 touch phone (many Android phones), the narrowest layout the site supports."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=3, has_touch=True,
                                  is_mobile=True, base_url=live_server.url)
    yield context.new_page()
    context.close()
