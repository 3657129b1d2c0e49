"""Promotion gate, forced promotion, rollback, and the audit log."""

import pytest

from recognizer.models import ModelVersion, ModelVersionChange
from recognizer.selectors import model_version_get_active
from recognizer.services.model_versions import (
    PromotionRefused,
    model_version_promote,
    model_version_register,
    model_version_rollback,
)


@pytest.fixture
def candidate_factory(model_dir):
    """Copies of the shipped artifact registered as candidates with a chosen MNIST accuracy."""
    return lambda name, accuracy: model_version_register(artifact_dir=model_dir.copy(name, accuracy))


@pytest.mark.django_db
def test_better_version_is_promoted_and_audited(candidate_factory, user):
    shipped = model_version_get_active()
    better = candidate_factory("better", shipped.mnist_test_accuracy + 0.001)
    model_version_promote(version=better, by=user, reason="more data")
    assert model_version_get_active() == better
    change = ModelVersionChange.objects.get(to_version=better)
    assert (change.kind, change.from_version, change.changed_by, change.reason, change.forced) == (
        "promote", shipped, user, "more data", False)


@pytest.mark.django_db
def test_version_slightly_worse_within_the_gate_is_promoted(candidate_factory, user):
    shipped = model_version_get_active()
    within = candidate_factory("within", shipped.mnist_test_accuracy - 0.0015)
    model_version_promote(version=within, by=user)
    assert model_version_get_active() == within


@pytest.mark.django_db
def test_version_more_than_the_gate_below_is_refused_unless_forced_with_reason(candidate_factory, user):
    shipped = model_version_get_active()
    worse = candidate_factory("worse", shipped.mnist_test_accuracy - 0.003)
    with pytest.raises(PromotionRefused, match="0.2 points"):
        model_version_promote(version=worse, by=user)
    with pytest.raises(PromotionRefused, match="reason"):
        model_version_promote(version=worse, by=user, force=True, reason="  ")
    assert model_version_get_active() == shipped
    model_version_promote(version=worse, by=user, force=True, reason="fixes sevens with a crossbar")
    assert model_version_get_active() == worse
    assert ModelVersionChange.objects.get(to_version=worse).forced


@pytest.mark.django_db
def test_corrupt_candidate_is_refused(candidate_factory, user, settings):
    candidate = candidate_factory("broken", 0.999)
    (settings.MODEL_DIR / "broken" / "model.tflite").write_bytes(b"garbage")
    with pytest.raises(PromotionRefused, match="unusable"):
        model_version_promote(version=candidate, by=user)
    assert not ModelVersion.objects.get(pk=candidate.pk).is_active


@pytest.mark.django_db
def test_rollback_returns_to_the_previous_version(candidate_factory, user):
    shipped = model_version_get_active()
    newer = candidate_factory("newer", 0.999)
    model_version_promote(version=newer, by=user)
    model_version_rollback(by=user, reason="users report worse sevens")
    assert model_version_get_active() == shipped
    change = ModelVersionChange.objects.first()
    assert (change.kind, change.from_version, change.to_version) == ("rollback", newer, shipped)


@pytest.mark.django_db
def test_rollback_without_history_is_refused(user):
    ModelVersionChange.objects.all().delete()  # a site that never promoted (the shipping migrations did)
    with pytest.raises(PromotionRefused, match="no earlier version"):
        model_version_rollback(by=user)
