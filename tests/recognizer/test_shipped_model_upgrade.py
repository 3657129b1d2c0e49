"""The shipping migrations (0002 registers digitsite-v1; 0006, 0007, ... ship each later model with
the same step): a site still serving a previously shipped model switches to the new one, and each
migration ships its own artifact on a fresh and on an upgraded database alike."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from recognizer.models import ModelVersion, ModelVersionChange, TrainingJob
from recognizer.services.model_versions import model_version_register

# 0007 ships digitsite-v3, 0012 registers digitsite-v4 (named in the migration itself) ready to
# promote, and with ACTIVATE makes it serve; 0014 ships digitsite-v5 and makes it serve.
ship_real_writer_model = importlib.import_module("recognizer.migrations.0012_ship_real_writer_model")
SHIPPING_MIGRATIONS = {
    "digitsite-v3": importlib.import_module("recognizer.migrations.0007_ship_deeper_model").ship_digitsite_v3,
    "digitsite-v4": ship_real_writer_model.ship_model,
    "digitsite-v5": importlib.import_module("recognizer.migrations.0014_ship_digitsite_v5").ship_model,
}
SHIPPED_IN_ORDER = ["digitsite-v1", "digitsite-v2", "digitsite-v3", "digitsite-v4", "digitsite-v5"]


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


@pytest.fixture(params=SHIPPING_MIGRATIONS)
def shipping(request, monkeypatch):
    """(name, the migration step that ships it) for each model a migration makes serve."""
    if request.param == "digitsite-v4":
        monkeypatch.setattr(ship_real_writer_model, "ACTIVATE", True)
    return request.param, SHIPPING_MIGRATIONS[request.param]


@pytest.mark.django_db
def test_the_previous_shipped_model_is_replaced_and_the_switch_is_audited(model_dir, shipping):
    name, ship = shipping
    old = an_older_site(model_dir, trained_by_staff=False)
    ship(apps, None)
    active = ModelVersion.objects.get(is_active=True)
    assert active.name == name and active.canvas_style_accuracy is not None
    assert (model_dir.path / name / "model.tflite").exists()  # copied into MODEL_DIR
    change = ModelVersionChange.objects.get()
    assert (change.from_version, change.to_version) == (old, active)
    ship(apps, None)  # running it again changes nothing
    assert ModelVersion.objects.count() == 2 and ModelVersionChange.objects.count() == 1


@pytest.mark.django_db
def test_a_version_promoted_by_staff_keeps_serving(model_dir, shipping):
    name, ship = shipping
    old = an_older_site(model_dir, trained_by_staff=True)
    ship(apps, None)
    assert ModelVersion.objects.get(is_active=True) == old
    assert ModelVersion.objects.filter(name=name, is_active=False).exists()
    assert not ModelVersionChange.objects.exists()


def migrate(executor: MigrationExecutor, target: str):
    executor.loader.build_graph()
    executor.migrate([("recognizer", target)])


@pytest.mark.django_db(transaction=True)
def test_an_upgraded_site_gets_every_later_shipped_model_in_turn():
    """A site that ran 0002 long ago (serving digitsite-v1) and upgrades now registers v2 in 0006,
    v3 in 0007, v4 in 0012 (not serving) and v5 in 0014, each switch with its audit row: no
    migration reads today's shipped model."""
    executor = MigrationExecutor(connection)
    leaf = executor.loader.graph.leaf_nodes("recognizer")[0][1]
    migrate(executor, "0005_backfill_predictions_and_reviewers_group")
    try:
        old_apps = executor.loader.project_state(("recognizer", "0005_backfill_predictions_and_reviewers_group")).apps
        old_apps.get_model("recognizer", "ModelVersionChange").objects.all().delete()
        OldModelVersion = old_apps.get_model("recognizer", "ModelVersion")
        OldModelVersion.objects.all().delete()
        importlib.import_module("recognizer.migrations.0002_register_shipped_model").register_shipped_model(old_apps, None)
        assert list(OldModelVersion.objects.values_list("name", flat=True)) == ["digitsite-v1"]
    finally:
        migrate(MigrationExecutor(connection), leaf)
    names = list(ModelVersion.objects.order_by("created_at", "id").values_list("name", flat=True))
    assert names[:5] == SHIPPED_IN_ORDER
    changes = list(ModelVersionChange.objects.order_by("created_at", "id").values_list("from_version__name", "to_version__name"))
    assert changes[:3] == [("digitsite-v1", "digitsite-v2"), ("digitsite-v2", "digitsite-v3"),
                           ("digitsite-v3", "digitsite-v5")]


@pytest.mark.django_db
def test_a_fresh_database_holds_every_shipped_model_for_rollback():
    names = list(ModelVersion.objects.order_by("created_at", "id").values_list("name", flat=True))
    assert names[:5] == SHIPPED_IN_ORDER
    active = ModelVersion.objects.get(is_active=True)
    assert active.name == settings.SHIPPED_MODEL_DIR.name == "digitsite-v5"
    assert active.metadata["labels"][-1] == "not_a_digit"


@pytest.mark.django_db
def test_v4_is_registered_ready_to_promote_and_the_serving_model_stays(model_dir):
    old = an_older_site(model_dir, trained_by_staff=False)
    ship_real_writer_model.ship_model(apps, None)
    v4 = ModelVersion.objects.get(name="digitsite-v4")
    assert not v4.is_active and ModelVersion.objects.get(is_active=True) == old
    assert v4.real_writer_accuracy is not None and v4.metadata["serving"]["temperature"] > 0
    assert not ModelVersionChange.objects.exists()
