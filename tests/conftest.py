import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("alice", password="a-long-password-1")


@pytest.fixture
def other_user(db):
    return get_user_model().objects.create_user("bob", password="a-long-password-2")


@pytest.fixture
def alice_client(client, user):
    client.force_login(user)
    return client
