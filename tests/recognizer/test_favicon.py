"""The site's icon: served from static/, linked from every page, the admin's included (issue 20, item 8)."""

import pytest
from django.contrib.staticfiles import finders

ICON_LINK = 'rel="icon" href="/static/favicon.svg"'


def test_the_icons_are_static_files():
    for name in ("favicon.svg", "favicon.ico", "apple-touch-icon.png"):
        assert finders.find(name), name
    with open(finders.find("favicon.ico"), "rb") as handle:
        assert handle.read(4) == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.django_db
def test_favicon_ico_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.ico"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/drawings/", "/accounts/login/", "/accounts/signup/", "/admin/login/"])
def test_every_page_links_the_icon(client, path):
    assert ICON_LINK in client.get(path).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/", "/admin/recognizer/drawing/", "/admin/recognizer/drawing/review/",
                                  "/admin/recognizer/drawing/stats/", "/admin/recognizer/trainingjob/launch/"])
def test_every_admin_page_links_the_icon(admin_client, path):
    page = admin_client.get(path).content.decode()
    assert ICON_LINK in page and "css/admin-site.css" in page
