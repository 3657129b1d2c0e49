"""/api/docs in real Chromium: Swagger UI comes from this site's static files (no CDN, no inline
script), so it renders offline and under a Content-Security-Policy that allows only 'self'."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SELF_ONLY = "default-src 'self'; img-src 'self' data:; base-uri 'self'; form-action 'self'"


def test_swagger_ui_renders_offline_under_a_self_only_policy(desktop_page, live_server):
    page = desktop_page
    outside, refused = [], []

    def only_this_site(route):
        """Anything not from the live server fails, as it would on a machine with no internet; the
        page itself gets the policy (it governs every script and style the page loads)."""
        if not route.request.url.startswith(live_server.url):
            outside.append(route.request.url)
            route.abort()
        elif route.request.resource_type == "document":
            response = route.fetch()
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": SELF_ONLY})
        else:
            route.continue_()

    page.route("**/*", only_this_site)
    page.on("console", lambda message: message.type == "error" and refused.append(message.text))
    page.on("pageerror", lambda error: refused.append(str(error)))
    page.goto("/api/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Digitsite API")
    predictions = page.locator(".opblock-post", has_text="/api/predictions").first
    expect(predictions).to_be_visible()
    predictions.locator(".opblock-summary").click()  # an operation opens: the bundle's code runs
    expect(page.locator(".opblock-body").first).to_be_visible()
    page.unroute_all(behavior="ignoreErrors")  # a late request (a favicon) may still be in flight
    assert outside == []
    assert refused == []
    inline_ran = page.evaluate("""() => { const script = document.createElement('script');
        script.textContent = 'window.inlineRan = true'; document.head.appendChild(script); return !!window.inlineRan; }""")
    assert inline_ran is False  # the policy was in force: what rendered above needed no inline script
