"""Sign up, log in, log out; pages render for visitors and members."""

import pytest
from django.contrib.auth import get_user_model


@pytest.mark.django_db
def test_sign_up_logs_the_new_user_in(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": "a-long-password-3", "password2": "a-long-password-3"},
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="carol").exists()
    assert client.get("/").context["user"].username == "carol"


@pytest.mark.django_db
def test_sign_up_errors_are_shown_on_the_form(client):
    response = client.post("/accounts/signup/", {"username": "dave", "password1": "x", "password2": "y"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not get_user_model().objects.filter(username="dave").exists()


@pytest.mark.django_db
def test_log_in_and_out(client, user):
    response = client.post("/accounts/login/", {"username": "alice", "password": "a-long-password-1"})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/drawings/", "/accounts/login/", "/accounts/signup/", "/api/docs", "/api/openapi.json"])
def test_pages_render(client, path):
    assert client.get(path).status_code == 200


@pytest.mark.django_db
def test_canvas_page_is_usable_on_phones(client):
    html = client.get("/").content.decode()
    assert 'name="viewport"' in html and 'id="pad"' in html
    css = open("static/css/site.css").read()
    assert "touch-action: none" in css


@pytest.mark.django_db
def test_admin_is_for_staff_only(alice_client):
    assert alice_client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_password_reset_from_the_email_to_a_new_password(client, mailoutbox):
    import re

    get_user_model().objects.create_user("erin", email="erin@example.org", password="a-long-password-6")
    assert "Reset it" in client.get("/accounts/login/").content.decode()
    assert client.post("/accounts/password_reset/", {"email": "erin@example.org"}).status_code == 302
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mailoutbox[0].body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session-held one
    new = {"new_password1": "a-brand-new-password-7", "new_password2": "a-brand-new-password-7"}
    assert client.post(form_url, new).status_code == 302
    assert client.login(username="erin", password="a-brand-new-password-7")
