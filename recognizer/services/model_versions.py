"""Model versions: register a trained artifact, promote it to serving, roll back. Audited."""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ml.artifact import ArtifactError
from recognizer.models import ModelVersion, ModelVersionChange
from recognizer.selectors import model_version_get_active, model_version_previous_get
from recognizer.services.artifacts import artifact_local_dir, artifact_store
from recognizer.services.predictors import predictor_recheck_active

# A candidate more than this far below the serving version on MNIST test needs a forced promotion.
PROMOTION_GATE = 0.002


class PromotionRefused(Exception):
    """The version may not serve: the accuracy gate, a missing reason, or a bad artifact."""


@transaction.atomic
def model_version_register(
    *, artifact_dir: Path, activate: bool = False, job=None, parent=None, data_snapshot: dict | None = None,
    gate: dict | None = None,
) -> ModelVersion:
    """Store a verified local artifact in the models storage and record it as a model version
    (optionally serving it). The row is written only once every file is stored and checked, so
    no machine ever finds a version whose artifact is not all there."""
    artifact_dir = Path(artifact_dir).resolve()
    model_dir = Path(settings.MODEL_DIR).resolve()
    artifact_path = str(artifact_dir.relative_to(model_dir)) if artifact_dir.is_relative_to(model_dir) else artifact_dir.name
    metadata = artifact_store(artifact_dir=artifact_dir, artifact_path=artifact_path)
    version = ModelVersion.objects.create(
        name=metadata["name"],
        artifact_path=artifact_path,
        sha256=metadata["sha256"],
        metrics=metadata.get("metrics", {}),
        metadata={key: value for key, value in metadata.items() if key != "metrics"},
        job=job,
        parent=parent,
        data_snapshot=data_snapshot or {},
        gate=gate or {},
    )
    if activate:
        _activate(version, by=None, kind=ModelVersionChange.Kind.PROMOTE, reason="registered as active", forced=False)
    return version


@transaction.atomic
def model_version_promote(
    *, version: ModelVersion, by, reason: str = "", force: bool = False, automatic: bool = False
) -> ModelVersion:
    """Make `version` serve. Refused if its artifact fails verification, or if its MNIST test
    accuracy is more than 0.2 points below the serving version's, unless forced with a reason.
    `automatic`: the learning loop promotes a blessed candidate (by nobody, the gate's figures as
    the reason); it is never forced."""
    if automatic and (force or version.is_blessed is not True):
        raise PromotionRefused(f"{version.name} was not blessed by the gate: only a person may promote it")
    active = model_version_get_active()
    if active is not None and active.pk == version.pk:
        raise PromotionRefused(f"{version.name} is already serving")
    _verify_or_refuse(version)
    if force and not reason.strip():
        raise PromotionRefused("a forced promotion needs a written reason")
    below_gate = (
        active is not None
        and active.mnist_test_accuracy is not None
        and (version.mnist_test_accuracy or 0.0) < active.mnist_test_accuracy - PROMOTION_GATE
    )
    if below_gate and not force:
        raise PromotionRefused(
            f"MNIST test accuracy {version.mnist_test_accuracy or 0:.2%} is more than 0.2 points below "
            f"{active.name}'s {active.mnist_test_accuracy:.2%}; force it with a written reason"
        )
    return _activate(version, by=by, kind=ModelVersionChange.Kind.PROMOTE, reason=reason, forced=below_gate,
                     automatic=automatic)


@transaction.atomic
def model_version_rollback(*, by, reason: str = "") -> ModelVersion:
    """Serve again the version that served before the current one."""
    previous = model_version_previous_get()
    if previous is None:
        raise PromotionRefused("there is no earlier version to roll back to")
    _verify_or_refuse(previous)
    return _activate(previous, by=by, kind=ModelVersionChange.Kind.ROLLBACK, reason=reason, forced=False)


def _verify_or_refuse(version: ModelVersion) -> None:
    try:
        artifact_local_dir(artifact_path=version.artifact_path, sha256=version.sha256)
    except ArtifactError as exc:
        raise PromotionRefused(f"{version.name}'s artifact is unusable: {exc}") from exc


def _activate(version: ModelVersion, *, by, kind: str, reason: str, forced: bool, automatic: bool = False) -> ModelVersion:
    # Lock the serving row so two concurrent promotions serialise instead of both "winning".
    current = ModelVersion.objects.select_for_update().filter(is_active=True).first()
    if current is not None:
        ModelVersion.objects.filter(pk=current.pk).update(is_active=False)
    version.is_active = True
    version.activated_at = timezone.now()
    version.save(update_fields=["is_active", "activated_at"])
    ModelVersionChange.objects.create(
        kind=kind, from_version=current, to_version=version, changed_by=by if by is not None and by.is_authenticated else None,
        reason=reason.strip(), forced=forced, automatic=automatic,
    )
    # This process serves the new version from its next request (now, and again once committed,
    # in case another thread looked the old one up meanwhile); other processes within
    # MODEL_ACTIVE_CHECK_SECONDS.
    predictor_recheck_active()
    transaction.on_commit(predictor_recheck_active)
    return version
