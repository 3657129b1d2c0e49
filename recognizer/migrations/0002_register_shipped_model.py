"""Register the model shipped with this release, digitsite-v1, as the first active version, so the
site answers from its first run. If MODEL_DIR is not the repository's models/ folder, the artifact
is copied there first (artifacts are immutable, so a copy is as good as the original).

Each shipping migration names its own artifact folder: it must do on every database, whenever it
runs, what it did when it was written (later migrations ship later models)."""

import json
import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations
from django.utils import timezone

ARTIFACT = "digitsite-v1"


def shipped_model_metadata(artifact: str) -> dict | None:
    """The metadata of the artifact `artifact` of the repository's models/ folder, after making sure
    it is in MODEL_DIR (None if it is in neither)."""
    shipped = Path(settings.BASE_DIR) / "models" / artifact
    target = Path(settings.MODEL_DIR) / artifact
    if not target.exists():
        if not (shipped / "metadata.json").exists():
            return None
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(shipped, target)
    return json.loads((target / "metadata.json").read_text())


def register_shipped_model(apps, schema_editor):
    ModelVersion = apps.get_model("recognizer", "ModelVersion")
    if ModelVersion.objects.exists():
        return
    metadata = shipped_model_metadata(ARTIFACT)
    if metadata is None:
        return
    ModelVersion.objects.create(
        name=metadata["name"],
        artifact_path=ARTIFACT,
        sha256=metadata["sha256"],
        metrics=metadata.get("metrics", {}),
        metadata={key: value for key, value in metadata.items() if key != "metrics"},
        is_active=True,
        activated_at=timezone.now(),
    )


class Migration(migrations.Migration):
    dependencies = [("recognizer", "0001_initial")]
    operations = [migrations.RunPython(register_shipped_model, migrations.RunPython.noop)]
