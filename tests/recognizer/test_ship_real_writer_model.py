"""Migration 0011: digitsite-v4 (named in the migration itself, not through
settings.SHIPPED_MODEL_DIR) is registered, ready to promote; with ACTIVATE, a site still serving a
shipped model switches to it."""

import importlib

import pytest
from django.apps import apps

from recognizer.models import ModelVersion, ModelVersionChange, TrainingJob
from recognizer.services.model_versions import model_version_register

migration = importlib.import_module("recognizer.migrations.0012_ship_real_writer_model")


def an_older_site(model_dir, *, trained_by_staff: bool) -> ModelVersion:
    ModelVersionChange.objects.all().delete()
    ModelVersion.objects.all().delete()
    old = model_version_register(artifact_dir=model_dir.copy("digitsite-old"))
    if trained_by_staff:
        old.job = TrainingJob.objects.create(config={})
    old.is_active = True
    old.save()
    return old


@pytest.mark.django_db
def test_v4_is_registered_ready_to_promote_and_the_serving_model_stays(model_dir):
    old = an_older_site(model_dir, trained_by_staff=False)
    migration.ship_model(apps, None)
    v4 = ModelVersion.objects.get(name="digitsite-v4")
    assert not v4.is_active and ModelVersion.objects.get(is_active=True) == old
    assert (model_dir.path / "digitsite-v4" / "model.tflite").exists()  # copied into MODEL_DIR
    assert v4.real_writer_accuracy is not None and v4.metadata["serving"]["temperature"] > 0
    assert not ModelVersionChange.objects.exists()


@pytest.mark.django_db
def test_with_activate_the_shipped_model_serving_is_replaced_by_v4_and_audited(model_dir, monkeypatch):
    monkeypatch.setattr(migration, "ACTIVATE", True)
    old = an_older_site(model_dir, trained_by_staff=False)
    migration.ship_model(apps, None)
    active = ModelVersion.objects.get(is_active=True)
    assert active.name == migration.ARTIFACT == "digitsite-v4"
    change = ModelVersionChange.objects.get()
    assert (change.from_version, change.to_version) == (old, active)
    migration.ship_model(apps, None)  # again: nothing changes
    assert ModelVersion.objects.count() == 2 and ModelVersionChange.objects.count() == 1


@pytest.mark.django_db
def test_a_version_promoted_by_staff_keeps_serving(model_dir, monkeypatch):
    monkeypatch.setattr(migration, "ACTIVATE", True)
    old = an_older_site(model_dir, trained_by_staff=True)
    migration.ship_model(apps, None)
    assert ModelVersion.objects.get(is_active=True) == old
    assert ModelVersion.objects.filter(name="digitsite-v4", is_active=False).exists()
    assert not ModelVersionChange.objects.exists()
