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


from tests.workers import celery_workers  # noqa: E402,F401 (a fixture for worker and browser tests)


@pytest.fixture
def sent_tasks(monkeypatch):
    """Record training tasks instead of sending them, for tests about job rows rather than workers."""
    calls = []

    class Result:
        id = "task-id"

    monkeypatch.setattr("recognizer.tasks.training_job_run.apply_async", lambda args: calls.append(args) or Result())
    return calls


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
