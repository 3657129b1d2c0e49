import pytest
from django.contrib.auth import get_user_model

from tests.helpers import ModelDir


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
from tests.s3 import s3_models, seaweedfs  # noqa: E402,F401 (a real S3-compatible server)


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


@pytest.fixture(autouse=True)
def active_version_looked_up_afresh():
    """Web processes look the active model version up once a second; each test starts afresh."""
    from recognizer.services.predictors import predictor_recheck_active

    predictor_recheck_active()


@pytest.fixture
def model_dir(settings, tmp_path):
    return ModelDir(settings, tmp_path)


@pytest.fixture
def fresh_predictor():
    """Forget the loaded model before and after, as a newly started web process would."""
    from recognizer.services.predictors import predictor_forget

    predictor_forget()
    yield
    predictor_forget()
