"""Sign-up takes an email address if the person gives one, and never requires it (issue 20, item 8)."""

import pytest
from django.contrib.auth import get_user_model

PASSWORD = {"password1": "a-long-password-3", "password2": "a-long-password-3"}


@pytest.mark.django_db
def test_the_form_offers_an_optional_email(client):
    page = client.get("/accounts/signup/").content.decode()
    assert 'type="email" name="email"' in page and "Email (optional)" in page
    assert 'name="email"' in page and 'required id="id_email"' not in page


@pytest.mark.django_db
def test_sign_up_with_an_email_keeps_it(client):
    response = client.post("/accounts/signup/", {"username": "carol", "email": " Carol@Example.org ", **PASSWORD})
    assert response.status_code == 302
    assert get_user_model().objects.get(username="carol").email == "Carol@example.org"  # the domain part lowercased, as Django normalises it


@pytest.mark.django_db
def test_sign_up_without_an_email_works(client):
    assert client.post("/accounts/signup/", {"username": "carol", **PASSWORD}).status_code == 302
    assert get_user_model().objects.get(username="carol").email == ""


@pytest.mark.django_db
@pytest.mark.parametrize("email, message", [("not-an-address", "Enter a valid email address."),
                                            ("ALICE@example.org", "An account already uses this email address.")])
def test_bad_or_taken_emails_are_form_errors(client, user, email, message):
    user.email = "alice@example.org"
    user.save()
    response = client.post("/accounts/signup/", {"username": "carol", "email": email, **PASSWORD})
    assert response.status_code == 200 and message in response.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()
