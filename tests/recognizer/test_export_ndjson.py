"""export_dataset --format ndjson: reviewed drawings' strokes as Quick, Draw! "simplified" lines."""

import json
import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from ml.user_strokes import quickdraw_simplified
from recognizer.services.drawing_updates import drawing_put, drawing_withdraw
from recognizer.services.reviews import drawing_review_label, drawing_review_reject
from tests.canvases import FOUR_IN_TWO_STROKES, pen_strokes, strokes_png

pytestmark = pytest.mark.django_db
SEVEN = [[(60, 60), (220, 60)], [(220, 60), (120, 240)], [(100, 150), (190, 150)]]  # with a crossbar


def drawn(polylines, *, label=None, reviewer=None, strokes=True):
    drawing, _ = drawing_put(drawing_id=uuid.uuid4(), image=strokes_png(polylines), sequence=1, owner=AnonymousUser(),
                             visitor_id="v", strokes=pen_strokes(polylines) if strokes else None)
    if label is not None:
        drawing = drawing_review_label(drawing=drawing, reviewed_by=reviewer, label=label)
    return drawing


def test_reviewed_drawings_with_strokes_are_written_one_line_each(tmp_path, user):
    four = drawn(FOUR_IN_TWO_STROKES, label=4, reviewer=user)
    seven = drawn(SEVEN, label=1, reviewer=user)  # relabeled: the model's final answer was not a 1
    drawn(FOUR_IN_TWO_STROKES)  # not reviewed
    drawn(FOUR_IN_TWO_STROKES, label=4, reviewer=user, strokes=False)  # no strokes to write
    rejected = drawn(SEVEN)
    drawing_review_reject(drawing=rejected, reviewed_by=user)
    withdrawn = drawn(FOUR_IN_TWO_STROKES)
    drawing_withdraw(drawing_id=withdrawn.id, visitor_id="v")
    output = tmp_path / "digits.ndjson"

    call_command("export_dataset", "--format", "ndjson", "--output", str(output))

    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert [line["key_id"] for line in lines] == [str(four.id), str(seven.id)]
    first, second = lines
    assert set(first) == {"key_id", "word", "recognized", "timestamp", "drawing"}
    assert (first["word"], first["recognized"]) == ("4", True)
    assert (second["word"], second["recognized"]) == ("1", False)
    assert first["timestamp"].endswith(" UTC") and first["timestamp"][:4].isdigit()
    assert first["drawing"] == quickdraw_simplified(pen_strokes(FOUR_IN_TWO_STROKES))
    assert len(second["drawing"]) == 3 and all(len(stroke) == 3 for stroke in second["drawing"])


def test_an_empty_export_is_an_empty_file(tmp_path):
    drawn([[(60, 60), (220, 60), (120, 240)]])
    call_command("export_dataset", "--format", "ndjson", "--output", str(tmp_path / "none.ndjson"))
    assert (tmp_path / "none.ndjson").read_text() == ""
