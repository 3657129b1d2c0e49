"""The original Flask app's page, unchanged in spirit: a 200x200 canvas and jQuery (from npm, not
a CDN) posting $.post("/guess", {"imgURL": canvas.toDataURL()}) and showing data.message."""

import pytest
from playwright.sync_api import expect

from recognizer.models import Drawing
from tests.e2e.helpers import NODE_MODULES

pytestmark = pytest.mark.e2e

ORIGINAL_PAGE = """<!doctype html>
<html><head><title>Digit recognition</title><script src="/static-original/jquery.min.js"></script></head>
<body>
<canvas id="canvas" width="200" height="200" style="border:1px solid #000"></canvas>
<button id="predict">Predict</button> <span id="result"></span>
<script>
  var canvas = document.getElementById("canvas"), ctx = canvas.getContext("2d"), drawing = false;
  ctx.lineWidth = 15; ctx.lineCap = "round"; ctx.strokeStyle = "black";
  $(canvas).on("mousedown", function (e) { drawing = true; ctx.beginPath(); ctx.moveTo(e.offsetX, e.offsetY); });
  $(canvas).on("mousemove", function (e) { if (drawing) { ctx.lineTo(e.offsetX, e.offsetY); ctx.stroke(); } });
  $(canvas).on("mouseup", function () { drawing = false; });
  $("#predict").click(function () {
    $.post("/guess", {"imgURL": canvas.toDataURL()}, function (data) { $("#result").text(data.message); });
  });
</script>
</body></html>"""


def test_original_jquery_client_gets_the_digit(desktop_page, screenshot):
    page = desktop_page
    # Serve the original page and its jQuery on the site's own origin, as the Flask app did.
    page.route("**/original-client", lambda route: route.fulfill(body=ORIGINAL_PAGE, content_type="text/html"))
    page.route("**/static-original/jquery.min.js", lambda route: route.fulfill(
        path=str(NODE_MODULES / "jquery" / "dist" / "jquery.min.js"), content_type="application/javascript"))
    page.goto("/original-client")
    box = page.locator("#canvas").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 40, y + 40)
    page.mouse.down()
    page.mouse.move(x + 160, y + 40, steps=10)
    page.mouse.move(x + 80, y + 175, steps=12)
    page.mouse.up()
    page.click("#predict")
    expect(page.locator("#result")).to_have_text("7")
    screenshot(page, "original-client")
    drawing = Drawing.objects.get()
    assert drawing.source == "guess" and (drawing.canvas_width, drawing.canvas_height) == (200, 200)
