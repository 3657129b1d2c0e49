"""Serve the retrained shipped model (settings.SHIPPED_MODEL_DIR, trained with the canvas-style
recipe) on a site that still serves the model shipped before it. A site whose staff promoted a
version of their own keeps serving it; the new shipped model is registered, ready to promote."""

import importlib
from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone

shipped_model_metadata = importlib.import_module("recognizer.migrations.0002_register_shipped_model").shipped_model_metadata


def ship_model(apps, schema_editor):
    ModelVersion = apps.get_model("recognizer", "ModelVersion")
    ModelVersionChange = apps.get_model("recognizer", "ModelVersionChange")
    metadata = shipped_model_metadata()
    if metadata is None or ModelVersion.objects.filter(name=metadata["name"]).exists():
        return  # a fresh database: 0002 registered it already
    version = ModelVersion.objects.create(
        name=metadata["name"],
        artifact_path=Path(settings.SHIPPED_MODEL_DIR).name,
        sha256=metadata["sha256"],
        metrics=metadata.get("metrics", {}),
        metadata={key: value for key, value in metadata.items() if key != "metrics"},
        data_snapshot={"description": "MNIST", "user_drawings": 0},
    )
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is not None and active.job_id is not None:
        return  # staff chose what serves
    if active is not None:
        ModelVersion.objects.filter(pk=active.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=timezone.now())
    ModelVersionChange.objects.create(
        kind="promote", from_version=active, to_version=version,
        reason="shipped with the code: retrained for canvas-style drawings",
    )


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0005_backfill_predictions_and_reviewers_group")]
    operations = [migrations.RunPython(ship_model, migrations.RunPython.noop)]
