"""Migrations 0006 and 0007 (the same step): a site still serving a previously shipped model
switches to the new one."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings

from recognizer.models import ModelVersion, ModelVersionChange, TrainingJob
from recognizer.services.model_versions import model_version_register

ship_model = importlib.import_module("recognizer.migrations.0006_ship_canvas_style_model").ship_model


def an_older_site(model_dir, *, trained_by_staff: bool) -> ModelVersion:
    """The database as a site had it before this release: another version serving, the new
    shipped one unknown."""
    ModelVersionChange.objects.all().delete()
    ModelVersion.objects.all().delete()
    old = model_version_register(artifact_dir=model_dir.copy("digitsite-old"))
    if trained_by_staff:
        old.job = TrainingJob.objects.create(config={})
    old.is_active = True
    old.save()
    return old


@pytest.mark.django_db
def test_the_previous_shipped_model_is_replaced_and_the_switch_is_audited(model_dir):
    old = an_older_site(model_dir, trained_by_staff=False)
    ship_model(apps, None)
    active = ModelVersion.objects.get(is_active=True)
    assert active.name == settings.SHIPPED_MODEL_DIR.name and active.canvas_style_accuracy is not None
    change = ModelVersionChange.objects.get()
    assert (change.from_version, change.to_version) == (old, active)
    ship_model(apps, None)  # running it again changes nothing
    assert ModelVersion.objects.count() == 2 and ModelVersionChange.objects.count() == 1


@pytest.mark.django_db
def test_a_version_promoted_by_staff_keeps_serving(model_dir):
    old = an_older_site(model_dir, trained_by_staff=True)
    ship_model(apps, None)
    assert ModelVersion.objects.get(is_active=True) == old
    assert ModelVersion.objects.filter(name=settings.SHIPPED_MODEL_DIR.name, is_active=False).exists()
    assert not ModelVersionChange.objects.exists()
