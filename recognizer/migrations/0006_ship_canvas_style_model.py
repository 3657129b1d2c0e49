"""Serve digitsite-v2 (retrained with the canvas-style recipe) on a site that still serves the model
shipped before it. A site whose staff promoted a version of their own keeps serving it; the new
shipped model is registered, ready to promote. Later releases ship their models with the same step
(`ship_model`), each naming its own artifact."""

import importlib

from django.db import migrations
from django.utils import timezone

shipped_model_metadata = importlib.import_module("recognizer.migrations.0002_register_shipped_model").shipped_model_metadata


def ship_model(apps, artifact: str, reason: str, *, activate: bool = True, trained_on: str = "MNIST") -> None:
    """Register `artifact` (from models/, copied into MODEL_DIR) and, with `activate`, make it
    serve where a shipped model serves (audited with `reason`); a version staff promoted keeps
    serving."""
    ModelVersion = apps.get_model("recognizer", "ModelVersion")
    ModelVersionChange = apps.get_model("recognizer", "ModelVersionChange")
    metadata = shipped_model_metadata(artifact)
    if metadata is None or ModelVersion.objects.filter(name=metadata["name"]).exists():
        return  # not in this checkout, or already registered
    version = ModelVersion.objects.create(
        name=metadata["name"],
        artifact_path=artifact,
        sha256=metadata["sha256"],
        metrics=metadata.get("metrics", {}),
        metadata={key: value for key, value in metadata.items() if key != "metrics"},
        data_snapshot={"description": trained_on, "user_drawings": 0},
    )
    if not activate:
        return  # registered only: ready to promote in the admin
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is not None and active.job_id is not None:
        return  # staff chose what serves
    if active is not None:
        ModelVersion.objects.filter(pk=active.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True, activated_at=timezone.now())
    ModelVersionChange.objects.create(kind="promote", from_version=active, to_version=version, reason=reason)


def ship_digitsite_v2(apps, schema_editor):
    ship_model(apps, "digitsite-v2", "shipped with the code: retrained for canvas-style drawings")


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0005_backfill_predictions_and_reviewers_group")]
    operations = [migrations.RunPython(ship_digitsite_v2, migrations.RunPython.noop)]
