"""Shared helpers for the canvas-state browser tests: viewports, axe, and an API held or bent by
page.route (UI states only; the happy path always goes to the real server)."""

import json

from tests.e2e.helpers import axe_violations

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone390": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "has_touch": True, "is_mobile": True},
    "phone360": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 3, "has_touch": True, "is_mobile": True},
}
DRAWING_PUT = "**/api/drawings/*"


def new_page(browser, live_server, viewport="desktop", color_scheme="light"):
    context = browser.new_context(base_url=live_server.url, color_scheme=color_scheme, **VIEWPORTS[viewport])
    return context.new_page()


WCAG21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


def assert_axe_passes(page):
    violations = axe_violations(page, tags=WCAG21_AA)
    assert violations == [], json.dumps(violations, indent=1)


def answer_with(route, **changes):
    """Send the PUT to the real server, then fulfil it with its real answer changed (e.g. a verdict)."""
    response = route.fetch()
    body = response.json()
    body.update(changes)
    route.fulfill(status=response.status, content_type="application/json", body=json.dumps(body))


def puts_only(handler):
    """A route handler for PUTs; everything else (GET of the page's API, PATCH, DELETE) goes through."""
    def route_handler(route):
        if route.request.method == "PUT":
            handler(route)
        else:
            route.continue_()
    return route_handler
