from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ml.artifact import verify_artifact
from recognizer.models import ModelVersion


@transaction.atomic
def model_version_register(*, artifact_dir: Path, activate: bool = False) -> ModelVersion:
    """Record a verified artifact under MODEL_DIR as a model version (optionally serving it)."""
    artifact_dir = Path(artifact_dir).resolve()
    metadata = verify_artifact(artifact_dir)
    version = ModelVersion.objects.create(
        name=metadata["name"],
        artifact_path=str(artifact_dir.relative_to(Path(settings.MODEL_DIR).resolve())),
        sha256=metadata["sha256"],
        metrics=metadata.get("metrics", {}),
        metadata={key: value for key, value in metadata.items() if key != "metrics"},
    )
    if activate:
        model_version_activate(version=version)
    return version


@transaction.atomic
def model_version_activate(*, version: ModelVersion) -> ModelVersion:
    """Make `version` the one that serves. Web processes notice on their next request."""
    ModelVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    return version
