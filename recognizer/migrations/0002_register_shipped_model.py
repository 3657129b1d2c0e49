"""Register the model committed with the code as the first active version, so the site answers
from its first run. If MODEL_DIR is not the repository's models/ folder, the shipped artifact is
copied there first (artifacts are immutable, so a copy is as good as the original)."""

import json
import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def shipped_model_metadata() -> dict | None:
    """The shipped artifact's metadata, after making sure it is in MODEL_DIR (None if absent)."""
    shipped = Path(settings.SHIPPED_MODEL_DIR)
    if not (shipped / "metadata.json").exists():
        return None
    target = Path(settings.MODEL_DIR) / shipped.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(shipped, target)
    return json.loads((target / "metadata.json").read_text())


def register_shipped_model(apps, schema_editor):
    ModelVersion = apps.get_model("recognizer", "ModelVersion")
    if ModelVersion.objects.exists():
        return
    metadata = shipped_model_metadata()
    if metadata is None:
        return
    shipped = Path(settings.SHIPPED_MODEL_DIR)
    ModelVersion.objects.create(
        name=metadata["name"],
        artifact_path=shipped.name,
        sha256=metadata["sha256"],
        metrics=metadata.get("metrics", {}),
        metadata={key: value for key, value in metadata.items() if key != "metrics"},
        is_active=True,
        activated_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0001_initial")]
    operations = [migrations.RunPython(register_shipped_model, migrations.RunPython.noop)]
