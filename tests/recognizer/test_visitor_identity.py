"""Who owns an anonymous drawing: an opaque visitor id in a server-issued session, never a
session key (a key is a credential), and never a session id the client made up."""

import importlib
import json
import re
import threading
import urllib.error
import urllib.request

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from recognizer.models import Drawing
from tests.canvases import data_url, seven_png
from tests.workers import needs_postgresql

session_keys_to_visitor_ids = importlib.import_module(
    "recognizer.migrations.0008_drawing_visitor_id").session_keys_to_visitor_ids


def draw(client):
    response = client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def logged_in(client_class, username, password):
    """A client signed in through the real login form (a real session row, as a browser has)."""
    client = client_class()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302
    return client


def session_like_tokens(html: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]{32,}", html))


@pytest.mark.django_db
def test_a_reviewer_who_reads_the_whole_admin_cannot_act_as_anyone_else(client, django_user_model):
    django_user_model.objects.create_superuser("root", password="root-long-password-1")
    reviewer = django_user_model.objects.create_user("rita", password="rita-long-password-1", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    superuser = logged_in(type(client), "root", "root-long-password-1")
    draw(superuser)
    anonymous = type(client)()
    anonymous.get("/")
    draw(anonymous)
    rita = logged_in(type(client), "rita", "rita-long-password-1")

    pages = ["/admin/", "/admin/recognizer/drawing/", "/admin/recognizer/drawing/review/",
             "/admin/recognizer/drawing/stats/", "/admin/recognizer/drawing/review/next/",
             "/admin/recognizer/labelchange/", "/admin/recognizer/prediction/"]
    pages += [f"/admin/recognizer/drawing/{drawing.pk}/change/" for drawing in Drawing.objects.all()]
    seen = ""
    for page in pages:
        response = rita.get(page)
        assert response.status_code in (200, 302, 403, 404), page
        seen += response.content.decode(errors="replace")
    assert Drawing.objects.count() == 2 and "/admin/recognizer/drawing/" in seen

    live_keys = set(Session.objects.values_list("session_key", flat=True))
    assert not live_keys & session_like_tokens(seen)
    assert not live_keys & set(Drawing.objects.values_list("visitor_id", flat=True))
    for token in session_like_tokens(seen) | set(Drawing.objects.values_list("visitor_id", flat=True)) - {""}:
        impostor = type(client)()
        impostor.cookies[settings.SESSION_COOKIE_NAME] = token
        assert impostor.get("/admin/recognizer/trainingjob/").status_code == 302  # to the login page
        assert impostor.get("/api/drawings").json()["count"] == 0


@pytest.mark.django_db
def test_signed_in_drawings_keep_no_link_to_a_session(alice_client):
    draw(alice_client)
    assert Drawing.objects.get().visitor_id == ""


@pytest.mark.django_db
def test_a_made_up_session_cookie_is_a_new_visitor(client):
    made_up = "0123456789abcdefghijklmnopqrstuv"
    client.cookies[settings.SESSION_COOKIE_NAME] = made_up
    drawing_id = draw(client)
    issued = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert issued != made_up and Session.objects.filter(session_key=issued).exists()
    assert not Session.objects.filter(session_key=made_up).exists()
    # The visitor who really got the session sees the drawing and its images.
    assert client.get("/api/drawings").json()["count"] == 1
    assert client.get(f"/drawings/{drawing_id}/image.png").status_code == 200
    # Anyone else sending the made-up value sees nothing.
    fixer = type(client)()
    fixer.cookies[settings.SESSION_COOKIE_NAME] = made_up
    assert fixer.get("/api/drawings").json()["count"] == 0
    assert fixer.get(f"/api/drawings/{drawing_id}").status_code == 404


@needs_postgresql  # SQLite's in-memory test database locks whole tables: parallel writers get 503s
@pytest.mark.django_db(transaction=True)
def test_parallel_first_drawings_of_one_browser_are_one_visitor(shipped_model_serving, live_server):
    """The canvas page issues the session, so drawings sent at once all carry its cookie."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    opener.open(live_server.url + "/").read()
    jar = next(h for h in opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)).cookiejar
    token = next(c.value for c in jar if c.name == settings.CSRF_COOKIE_NAME)
    body = json.dumps({"image": data_url(seven_png())}).encode()
    statuses = []

    def post():
        request = urllib.request.Request(live_server.url + "/api/predictions", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "X-CSRFToken": token})
        try:
            with opener.open(request, timeout=60) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)

    threads = [threading.Thread(target=post) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert statuses == [201] * 16
    assert Drawing.objects.count() == 16
    assert Drawing.objects.values("visitor_id").distinct().count() == 1
    assert Session.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["signup", "login"])
def test_anonymous_drawings_follow_the_person_into_the_account(client, django_user_model, how):
    client.get("/")
    drawing_id = draw(client)
    if how == "signup":
        response = client.post("/accounts/signup/", {"username": "newbie", "password1": "a-long-password-3",
                                                     "password2": "a-long-password-3"})
    else:
        django_user_model.objects.create_user("newbie", password="a-long-password-3")
        response = client.post("/accounts/login/", {"username": "newbie", "password": "a-long-password-3"})
    assert response.status_code == 302
    drawing = Drawing.objects.get(pk=drawing_id)
    assert drawing.owner.username == "newbie" and drawing.visitor_id == ""
    assert client.get("/drawings/").context["page"].paginator.count == 1
    client.logout()
    assert client.get("/api/drawings").json()["count"] == 0  # a later visitor of this browser sees nothing


@pytest.mark.django_db
def test_the_migration_replaces_every_stored_session_key(client, user):
    client.get("/")
    drawing_id = draw(client)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    session = SessionStore(session_key=session_key)
    del session["visitor_id"]
    session.save()
    alive = Drawing.objects.get(pk=drawing_id)
    gone = Drawing.objects.create(visitor_id="k" * 32, image_png=alive.image_png, pixels=alive.pixels,
                                  canvas_width=280, canvas_height=280)
    signed_in = Drawing.objects.create(owner=user, visitor_id="u" * 32, image_png=alive.image_png,
                                       pixels=alive.pixels, canvas_width=280, canvas_height=280)
    Drawing.objects.filter(pk=drawing_id).update(visitor_id=session_key)  # as stored before the upgrade

    session_keys_to_visitor_ids(apps, None)

    stored = set(Drawing.objects.values_list("visitor_id", flat=True))
    assert not stored & set(Session.objects.values_list("session_key", flat=True))
    assert not stored & {session_key, "k" * 32, "u" * 32}
    signed_in.refresh_from_db()
    gone.refresh_from_db()
    assert signed_in.visitor_id == "" and len(gone.visitor_id) == 32
    # The browser whose session still exists keeps its drawing.
    assert client.get(f"/api/drawings/{drawing_id}").status_code == 200
