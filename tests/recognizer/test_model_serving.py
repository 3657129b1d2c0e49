"""The site serves the active model version and records it on every prediction."""

import pytest

from recognizer.models import Drawing, ModelVersion, Prediction
from recognizer.selectors import model_version_get_active
from recognizer.services.model_versions import model_version_promote, model_version_register
from tests.canvases import data_url, seven_png
from django.conf import settings
from tests.helpers import SHIPPED, SHIPPED_MODEL_DIR

pytestmark = pytest.mark.usefixtures("fresh_predictor")  # each test starts as a new web process would



def predict(client):
    return client.post("/api/predictions", {"image": data_url(seven_png())}, content_type="application/json")


@pytest.fixture
def second_dir(model_dir):
    """MODEL_DIR holds the shipped model and "second", a copy of it under another name."""
    return model_dir.copy("second")



def test_the_tests_shipped_model_is_the_settings_one():
    assert settings.SHIPPED_MODEL_DIR == SHIPPED_MODEL_DIR and SHIPPED == settings.SHIPPED_MODEL_DIR.name


@pytest.mark.django_db
def test_shipped_model_is_registered_and_active_after_migrate():
    version = model_version_get_active()
    assert version.name == SHIPPED
    assert version.mnist_test_accuracy >= 0.994
    assert len(version.sha256) == 64


@pytest.mark.django_db
def test_activating_a_version_switches_serving_without_restart(client, second_dir):
    assert predict(client).json()["model_version"] == SHIPPED
    second = model_version_register(artifact_dir=second_dir)
    model_version_promote(version=second, by=None)
    response = predict(client)
    assert response.status_code == 201 and response.json()["model_version"] == "second"
    assert Prediction.objects.filter(model_version=second).count() == 1
    assert list(ModelVersion.objects.filter(is_active=True)) == [second]


@pytest.mark.django_db
def test_corrupt_artifact_is_refused_with_503_and_nothing_stored(client, second_dir, caplog):
    second = model_version_register(artifact_dir=second_dir, activate=True)
    (second_dir / "model.tflite").write_bytes(b"not a model")
    response = predict(client)
    assert response.status_code == 503 and "predictions are unavailable" in response.json()["error"]
    # Which artifact and why is in the log, not in the answer.
    assert "cannot be loaded" in caplog.text and "cannot be loaded" not in response.json()["error"]
    assert not Drawing.objects.exists()
    assert second.is_active


@pytest.mark.django_db
def test_corrupt_new_version_leaves_the_previous_one_serving(client, second_dir):
    assert predict(client).json()["model_version"] == SHIPPED
    second = model_version_register(artifact_dir=second_dir, activate=True)
    (second_dir / "model.tflite").unlink()
    response = predict(client)
    assert response.status_code == 201 and response.json()["model_version"] == SHIPPED
    assert not Prediction.objects.filter(model_version=second).exists()


@pytest.mark.django_db
def test_no_active_model_is_a_503(client):
    ModelVersion.objects.update(is_active=False)
    response = predict(client)
    assert response.status_code == 503 and response.json()["error"]
    response = client.post("/guess", {"imgURL": data_url(seven_png())})
    assert response.status_code == 503
    assert not Drawing.objects.exists()


@pytest.mark.django_db
def test_at_most_one_version_is_active(second_dir):
    from django.db import IntegrityError, transaction

    second = model_version_register(artifact_dir=second_dir)
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(is_active=True)


@pytest.mark.django_db
def test_the_active_version_is_looked_up_at_most_once_a_second(client, second_dir, settings,
                                                                django_assert_num_queries, monkeypatch):
    """Web processes look the active version up at most every MODEL_ACTIVE_CHECK_SECONDS; a
    promotion made elsewhere (another process: here, a plain UPDATE) is served after that."""
    from recognizer.services import predictors

    settings.MODEL_ACTIVE_CHECK_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(predictors.time, "monotonic", lambda: clock[0])
    assert predict(client).json()["model_version"] == SHIPPED
    second = model_version_register(artifact_dir=second_dir)
    with django_assert_num_queries(0):
        predictors.predictor_get_serving()
    ModelVersion.objects.update(is_active=False)
    ModelVersion.objects.filter(pk=second.pk).update(is_active=True)
    clock[0] += 0.5
    assert predict(client).json()["model_version"] == SHIPPED  # within the second: not looked up yet
    clock[0] += 0.6
    assert predict(client).json()["model_version"] == "second"


@pytest.mark.django_db
def test_a_promotion_in_this_process_is_served_from_the_next_request(client, second_dir, settings):
    settings.MODEL_ACTIVE_CHECK_SECONDS = 3600
    assert predict(client).json()["model_version"] == SHIPPED
    model_version_promote(version=model_version_register(artifact_dir=second_dir), by=None)
    assert predict(client).json()["model_version"] == "second"
