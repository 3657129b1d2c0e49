"""Updates racing on one drawing (PostgreSQL, real concurrent connections): the row is locked, so
they apply one at a time; the highest sequence number wins whatever the arrival order, a stale
one is ignored, and the drawing always has exactly one final prediction and its newest content."""

import threading
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connections, transaction

from recognizer.models import Drawing, ModelVersion, Prediction
from recognizer.services.drawing_updates import drawing_put
from tests.canvases import FOUR_IN_TWO_STROKES, pen_strokes, strokes_png
from tests.workers import needs_postgresql

pytestmark = needs_postgresql

# What the page sends at update n: the 4's first stroke, both, then Undo and redo in turn.
CONTENT = {n: FOUR_IN_TWO_STROKES[: 1 + (n % 2 == 0)] for n in range(1, 12)}


@pytest.fixture
def active_version(transactional_db, settings):
    from recognizer.services.model_versions import model_version_register

    version = ModelVersion.objects.filter(is_active=True).first()
    return version or model_version_register(artifact_dir=settings.SHIPPED_MODEL_DIR, activate=True)


def put(drawing_id, sequence):
    polylines = CONTENT[sequence]
    return drawing_put(drawing_id=drawing_id, image=strokes_png(polylines), strokes=pen_strokes(polylines),
                       sequence=sequence, owner=AnonymousUser(), visitor_id="visitor-a")


def in_thread(target, results, name):
    def run():
        try:
            results[name] = target()
        except Exception as exc:  # noqa: BLE001 (reported by the test)
            results[name] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def assert_consistent(drawing_id, sequence):
    drawing = Drawing.objects.get(pk=drawing_id)
    final = Prediction.objects.get(drawing=drawing, is_final=True)  # exactly one
    assert drawing.sequence == sequence
    assert drawing.strokes == pen_strokes(CONTENT[sequence])
    assert bytes(drawing.image_png) == strokes_png(CONTENT[sequence])
    assert final.stroke_count == len(CONTENT[sequence]) and drawing.predicted_digit == final.digit
    return drawing


def put_while_another_holds_the_row(drawing_id, held: int, waiting: int) -> dict:
    """put(`held`) in a transaction kept open, then put(`waiting`) from another thread, which must
    wait for it (on the row lock, or on the id's unique index if the row is not committed yet);
    both results once both committed: {"held": ..., "waiting": ...} ((drawing, created) each)."""
    applied, commit = threading.Event(), threading.Event()
    results = {}

    def hold():
        with transaction.atomic():  # holds the row (or its unique index entry) until it commits
            result = put(drawing_id, held)
            applied.set()
            commit.wait(30)
        return result

    first = in_thread(hold, results, "held")
    assert applied.wait(30)
    second = in_thread(lambda: put(drawing_id, waiting), results, "waiting")
    second.join(1.0)
    assert second.is_alive()  # waiting for the first
    commit.set()
    first.join(30)
    second.join(30)
    return results


def test_an_update_waits_for_the_one_in_progress_and_a_stale_one_is_then_ignored(active_version):
    drawing_id = uuid.uuid4()
    put(drawing_id, 1)
    results = put_while_another_holds_the_row(drawing_id, held=3, waiting=2)
    stale, created = results["waiting"]
    assert not created and stale.sequence == 3
    assert_consistent(drawing_id, 3)
    assert Prediction.objects.filter(drawing_id=drawing_id).count() == 2  # updates 1 and 3


def test_a_later_first_update_racing_the_first_one_is_applied_after_it(active_version):
    """The first update has inserted the drawing but not committed; the second finds no row,
    waits on the id's unique index, then updates the row the first one made."""
    drawing_id = uuid.uuid4()
    results = put_while_another_holds_the_row(drawing_id, held=1, waiting=2)
    assert results["held"][1] is True and results["waiting"][1] is False, results
    assert_consistent(drawing_id, 2)
    assert Drawing.objects.count() == 1 and Prediction.objects.count() == 2


def test_many_racing_updates_leave_the_highest_one(active_version):
    drawing_id = uuid.uuid4()
    put(drawing_id, 1)
    start = threading.Barrier(10)
    results = {}

    def update(sequence):
        start.wait(30)
        return put(drawing_id, sequence)

    threads = [in_thread(lambda n=n: update(n), results, n) for n in range(2, 12)]
    for thread in threads:
        thread.join(60)
    assert not [result for result in results.values() if isinstance(result, Exception)], results
    assert_consistent(drawing_id, 11)
    assert Drawing.objects.count() == 1 and 2 <= Prediction.objects.count() <= 11
