"""Migration 0009 on a database with drawings: each drawing's latest prediction becomes its final
one (older ones, e.g. by an earlier model version, are history), so the one-final constraint holds."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("recognizer", "0008_drawing_visitor_id")]
AFTER = [("recognizer", "0009_drawing_strokes_and_updates")]


@pytest.mark.django_db(transaction=True)
def test_only_the_latest_prediction_of_each_drawing_is_final():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("recognizer")
    try:
        migrated_back_and_forth()
    finally:  # the tests after this one need the whole schema again
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)


def migrated_back_and_forth():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Drawing, Prediction = apps.get_model("recognizer", "Drawing"), apps.get_model("recognizer", "Prediction")
    ModelVersion = apps.get_model("recognizer", "ModelVersion")
    version = ModelVersion.objects.create(name="old", artifact_path="old", sha256="0" * 64)
    twice, once = (Drawing.objects.create(image_png=b"", pixels=b"", canvas_width=1, canvas_height=1) for _ in range(2))
    made = {}
    for drawing, digits in ((twice, (1, 7)), (once, (3,))):
        for digit in digits:
            made[drawing.pk, digit] = Prediction.objects.create(
                drawing=drawing, model_version=version, digit=digit, probabilities=[0.1] * 10, confidence=0.5,
                latency_ms=1.0).pk

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Prediction = apps.get_model("recognizer", "Prediction")
    finals = {(p.drawing_id, p.digit): p.is_final for p in Prediction.objects.all()}
    assert finals == {(twice.pk, 1): False, (twice.pk, 7): True, (once.pk, 3): True}
