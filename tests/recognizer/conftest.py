import pytest

from recognizer.services.drawings import drawing_create_with_prediction
from tests.canvases import seven_png


@pytest.fixture
def reviewer(django_user_model):
    return django_user_model.objects.create_user("rita", password="x-long-password-7", is_staff=True)


@pytest.fixture
def reviewer_client(client, reviewer):
    """A client signed in as a member of the Reviewers group (review, nothing else)."""
    from django.contrib.auth.models import Group

    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    client.force_login(reviewer)
    return client


@pytest.fixture
def make_drawing(db):
    """make_drawing(png=None): a drawing stored and predicted like a canvas's (a 7 by default)."""
    def make(png=None):
        drawing, _ = drawing_create_with_prediction(image=png or seven_png())
        return drawing

    return make


@pytest.fixture
def shipped_model_serving(db, settings):
    """The shipped model serving, as the data migrations leave a fresh database: a transactional
    test before this one may have flushed their rows."""
    from recognizer.models import ModelVersion
    from recognizer.services.model_versions import model_version_register

    if not ModelVersion.objects.filter(is_active=True).exists():
        model_version_register(artifact_dir=settings.SHIPPED_MODEL_DIR, activate=True)
