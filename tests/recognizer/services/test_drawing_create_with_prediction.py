"""Storing a prediction: the drawing and its prediction are written together (on PostgreSQL in one
statement), committed before the service returns, never one without the other; idempotency keys
answer retries and concurrent duplicates with the stored drawing."""

import threading
import uuid

import numpy as np
import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from recognizer.models import Drawing, ModelVersion, Prediction
from recognizer.services.drawings import _drawing_and_prediction_insert, drawing_create_with_prediction
from recognizer.services.predictors import predictor_get_serving
from tests.canvases import seven_png
from tests.workers import needs_postgresql


@pytest.fixture
def active_version(transactional_db, settings):
    """Transactional tests flush the data migration's rows: register the shipped model again."""
    from recognizer.services.model_versions import model_version_register

    version = ModelVersion.objects.filter(is_active=True).first()
    return version or model_version_register(artifact_dir=settings.SHIPPED_MODEL_DIR, activate=True)


def rows_seen_by_another_connection() -> tuple[int, int]:
    """(drawings, predictions) as a separate connection sees them: only committed rows."""
    counts = []

    def count():
        try:
            counts.extend([Drawing.objects.count(), Prediction.objects.count()])
        finally:
            connections.close_all()  # this thread's connection

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()
    return tuple(counts)


def new_pair(version, *, digit=7) -> tuple[Drawing, Prediction]:
    drawing = Drawing(visitor_id="abc", image_png=seven_png(), pixels=np.ones((28, 28), "float32").tobytes(),
                      canvas_width=280, canvas_height=280, idempotency_key=uuid.uuid4(), predicted_digit=7,
                      confidence=0.75)
    prediction = Prediction(drawing=drawing, model_version=version, digit=digit, probabilities=[0.025] * 9 + [0.775],
                            confidence=0.75, latency_ms=1.5)
    return drawing, prediction


def test_both_rows_are_committed_before_it_returns(active_version):
    predictor_get_serving()  # the active version is looked up (and kept for a second) first
    with CaptureQueriesContext(connection) as queries:
        drawing, created = drawing_create_with_prediction(image=seven_png(), idempotency_key=uuid.uuid4())
    assert created and drawing.prediction.pk is not None
    if connection.vendor == "postgresql":
        # One round trip: no BEGIN/COMMIT, both INSERTs in one statement.
        assert len(queries) == 1
        assert queries[0]["sql"].count("INSERT INTO") == 2
    assert rows_seen_by_another_connection() == (1, 1)
    stored = Prediction.objects.select_related("drawing").get()
    assert stored.pk == drawing.prediction.pk and stored.drawing == drawing
    assert (stored.digit, stored.model_version, stored.drawing.predicted_digit) == (7, active_version, 7)
    assert bytes(stored.drawing.image_png) == seven_png()


@needs_postgresql
def test_the_one_statement_writes_exactly_what_save_would(active_version):
    """Every column of both rows (defaults and auto_now_add included) as the ORM's save() writes it."""
    one, two = new_pair(active_version), new_pair(active_version)
    _drawing_and_prediction_insert(*one)
    with transaction.atomic():
        two[0].save(force_insert=True)
        two[1].save(force_insert=True)

    def stored(obj, skip):
        obj = type(obj).objects.get(pk=obj.pk)
        return {f.attname: bytes(v) if isinstance(v := getattr(obj, f.attname), memoryview) else v
                for f in obj._meta.concrete_fields if f.attname not in skip}

    assert stored(one[0], {"id", "idempotency_key", "created_at"}) == stored(two[0], {"id", "idempotency_key", "created_at"})
    assert stored(one[1], {"id", "drawing_id", "created_at"}) == stored(two[1], {"id", "drawing_id", "created_at"})
    for drawing, prediction in (one, two):  # the instances are as save() leaves them
        assert not drawing._state.adding and not prediction._state.adding
        assert Prediction.objects.get(pk=prediction.pk).created_at == prediction.created_at
        assert Drawing.objects.get(pk=drawing.pk).created_at == drawing.created_at


def test_a_failing_prediction_insert_writes_no_drawing(active_version):
    """The prediction's insert fails (a digit its CHECK constraint refuses): the drawing is not written."""
    drawing, prediction = new_pair(active_version, digit=-1)
    with pytest.raises(IntegrityError):
        _drawing_and_prediction_insert(drawing, prediction)
    assert rows_seen_by_another_connection() == (0, 0)


def test_a_prediction_naming_a_missing_model_version_stores_nothing(active_version, monkeypatch):
    """Through the service: the foreign key fails when the statement (or transaction) commits,
    after the drawing's insert ran; neither row is kept."""
    gone = ModelVersion(pk=active_version.pk + 1000, name="gone", sha256=active_version.sha256)
    predictor = predictor_get_serving()[1]
    monkeypatch.setattr("recognizer.services.drawings.predictor_get_serving", lambda: (gone, predictor))
    with pytest.raises(IntegrityError):
        drawing_create_with_prediction(image=seven_png(), idempotency_key=uuid.uuid4())
    assert rows_seen_by_another_connection() == (0, 0)


def test_a_retry_is_answered_with_the_stored_drawing(active_version):
    key = uuid.uuid4()
    first, created = drawing_create_with_prediction(image=seven_png(), idempotency_key=key)
    again, created_again = drawing_create_with_prediction(image=seven_png(), idempotency_key=key)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.prediction.pk == first.prediction.pk
    assert rows_seen_by_another_connection() == (1, 1)


@pytest.mark.django_db
def test_inside_a_transaction_a_taken_key_leaves_it_usable():
    key = uuid.uuid4()
    with transaction.atomic():
        first, _ = drawing_create_with_prediction(image=seven_png(), idempotency_key=key)
        again, created = drawing_create_with_prediction(image=seven_png(), idempotency_key=key)
        assert not created and again.pk == first.pk
        assert Drawing.objects.count() == Prediction.objects.count() == 1  # still usable


@needs_postgresql
def test_a_concurrent_duplicate_is_answered_with_the_winners_drawing(active_version):
    """The winner has inserted but not committed; the duplicate waits on the key's unique index,
    then gets the winner's drawing, not an error and not a second row."""
    key = uuid.uuid4()
    inserted, commit = threading.Event(), threading.Event()
    results = {}

    def winner():
        try:
            with transaction.atomic():
                results["winner"] = drawing_create_with_prediction(image=seven_png(), idempotency_key=key)
                inserted.set()
                commit.wait(30)
        finally:
            connections.close_all()

    def duplicate():
        try:
            results["duplicate"] = drawing_create_with_prediction(image=seven_png(), idempotency_key=key)
        finally:
            connections.close_all()

    first = threading.Thread(target=winner)
    first.start()
    assert inserted.wait(30)
    second = threading.Thread(target=duplicate)
    second.start()
    second.join(1.0)
    assert second.is_alive()  # blocked on the uncommitted key
    commit.set()
    first.join(30)
    second.join(30)
    (won, won_created), (dup, dup_created) = results["winner"], results["duplicate"]
    assert (won_created, dup_created) == (True, False)
    assert dup.pk == won.pk and dup.prediction.pk == won.prediction.pk
    assert rows_seen_by_another_connection() == (1, 1)
