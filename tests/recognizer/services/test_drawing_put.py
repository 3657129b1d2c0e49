"""drawing_put: the page's drawing is one row, updated at every pen-up and Undo, with the history
of its answers; only its owner may update it, only while it is open; late and retried updates
change nothing; drawing_withdraw takes it out of everything people and training see."""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from recognizer.models import Drawing, Prediction
from recognizer.selectors import (
    drawing_list_for_review,
    drawing_list_for_visitor,
    drawing_stats_for_visitor,
    prediction_list_for_drawing,
    review_accuracy_by_version,
    training_set_get,
)
from recognizer.services.drawing_updates import DrawingNotFound, DrawingSettled, drawing_put, drawing_withdraw
from recognizer.services.drawings import drawing_label_set
from recognizer.services.reviews import drawing_review_label
from recognizer.strokes import StrokesInvalid, StrokesTooLarge
from tests.canvases import FOUR_IN_TWO_STROKES, pen_strokes, seven_png, strokes_png

pytestmark = pytest.mark.django_db
ANONYMOUS = AnonymousUser()


def put(drawing_id, polylines, sequence, *, owner=ANONYMOUS, visitor_id="visitor-a", **kwargs):
    return drawing_put(drawing_id=drawing_id, image=strokes_png(polylines), strokes=pen_strokes(polylines),
                       sequence=sequence, owner=owner, visitor_id=visitor_id, **kwargs)


def four_drawn_in_two_strokes(drawing_id, **kwargs):
    first, first_created = put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1, **kwargs)
    final, final_created = put(drawing_id, FOUR_IN_TWO_STROKES, 2, **kwargs)
    assert (first_created, final_created) == (True, False)
    return first, final


def test_every_pen_up_updates_the_one_drawing_and_keeps_its_answer_in_the_history():
    drawing_id = uuid.uuid4()
    first, final = four_drawn_in_two_strokes(drawing_id)
    assert Drawing.objects.count() == 1
    drawing = Drawing.objects.get()
    assert drawing.id == drawing_id and drawing.sequence == 2 and drawing.visitor_id == "visitor-a"
    assert bytes(drawing.image_png) == strokes_png(FOUR_IN_TWO_STROKES)
    assert drawing.strokes == pen_strokes(FOUR_IN_TWO_STROKES) and drawing.stroke_count == 2
    history = list(prediction_list_for_drawing(drawing=drawing))
    assert [(p.stroke_count, p.is_final) for p in history] == [(1, False), (2, True)]
    assert history[1].digit == 4 and history[0].digit != 4  # the open angle alone is not a 4
    assert (drawing.predicted_digit, drawing.confidence) == (4, history[1].confidence)
    assert drawing.prediction == history[1] and final.prediction == history[1]


def test_undo_is_an_update_with_fewer_strokes():
    drawing_id = uuid.uuid4()
    four_drawn_in_two_strokes(drawing_id)
    undone, created = put(drawing_id, FOUR_IN_TWO_STROKES[:1], 3)
    assert not created and undone.stroke_count == 1
    assert Drawing.objects.count() == 1 and Prediction.objects.filter(drawing_id=drawing_id).count() == 3
    assert bytes(Drawing.objects.get().image_png) == strokes_png(FOUR_IN_TWO_STROKES[:1])


def test_a_retry_or_an_overtaken_update_changes_nothing():
    drawing_id = uuid.uuid4()
    _, final = four_drawn_in_two_strokes(drawing_id)
    for sequence, polylines in ((2, FOUR_IN_TWO_STROKES), (1, FOUR_IN_TWO_STROKES[:1])):
        again, created = put(drawing_id, polylines, sequence)
        assert not created and again.sequence == 2 and again.prediction.pk == final.prediction.pk
    assert Prediction.objects.count() == 2
    assert Drawing.objects.get().strokes == pen_strokes(FOUR_IN_TWO_STROKES)


def test_a_later_update_arriving_first_creates_the_drawing_and_the_first_is_then_ignored():
    drawing_id = uuid.uuid4()
    later, created = put(drawing_id, FOUR_IN_TWO_STROKES, 2)
    assert created and later.sequence == 2
    first, created = put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    assert not created and first.sequence == 2
    assert Drawing.objects.get().stroke_count == 2 and Prediction.objects.count() == 1


def test_only_the_owner_may_update(user, other_user):
    drawing_id = uuid.uuid4()
    put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    for owner, visitor_id in ((ANONYMOUS, "visitor-b"), (ANONYMOUS, ""), (user, "")):
        with pytest.raises(DrawingNotFound):
            put(drawing_id, FOUR_IN_TWO_STROKES, 2, owner=owner, visitor_id=visitor_id)
        with pytest.raises(DrawingNotFound):
            drawing_withdraw(drawing_id=drawing_id, owner=owner, visitor_id=visitor_id)
    mine = uuid.uuid4()
    put(mine, FOUR_IN_TWO_STROKES[:1], 1, owner=user, visitor_id="")
    with pytest.raises(DrawingNotFound):  # the retry of a first update, by someone else
        put(mine, FOUR_IN_TWO_STROKES[:1], 1, owner=other_user, visitor_id="")
    assert put(mine, FOUR_IN_TWO_STROKES, 2, owner=user)[0].owner == user
    assert Drawing.objects.get(pk=drawing_id).sequence == 1 and Prediction.objects.count() == 3


def test_a_drawing_by_nobody_is_updated_by_whoever_holds_its_id():
    """A client without cookies (an API script) owns nothing; the random id is its capability."""
    drawing_id = uuid.uuid4()
    put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1, visitor_id="")
    assert put(drawing_id, FOUR_IN_TWO_STROKES, 2, visitor_id="")[0].sequence == 2
    with pytest.raises(DrawingNotFound):
        put(drawing_id, FOUR_IN_TWO_STROKES, 3, visitor_id="visitor-a")


def test_a_reviewed_drawing_can_no_longer_change(user):
    drawing_id = uuid.uuid4()
    _, drawing = four_drawn_in_two_strokes(drawing_id)
    drawing_review_label(drawing=drawing, reviewed_by=user, label=4)
    with pytest.raises(DrawingSettled, match="reviewed"):
        put(drawing_id, FOUR_IN_TWO_STROKES[:1], 3)
    with pytest.raises(DrawingSettled, match="reviewed"):
        drawing_withdraw(drawing_id=drawing_id, visitor_id="visitor-a")
    assert Drawing.objects.get().sequence == 2 and Prediction.objects.count() == 2


def test_a_drawing_older_than_the_edit_window_can_no_longer_change(settings):
    settings.DRAWING_EDIT_WINDOW_SECONDS = 120
    drawing_id = uuid.uuid4()
    put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    Drawing.objects.filter(pk=drawing_id).update(created_at=timezone.now() - timedelta(seconds=119))
    put(drawing_id, FOUR_IN_TWO_STROKES, 2)
    Drawing.objects.filter(pk=drawing_id).update(created_at=timezone.now() - timedelta(seconds=121))
    with pytest.raises(DrawingSettled, match="120 seconds"):
        put(drawing_id, FOUR_IN_TWO_STROKES, 3)
    assert Drawing.objects.get().sequence == 2


def test_a_withdrawn_drawing_is_out_of_everything_and_stays_withdrawn(user):
    kept, withdrawn = uuid.uuid4(), uuid.uuid4()
    put(kept, [[(60, 60), (220, 60), (120, 240)]], 1)
    put(withdrawn, FOUR_IN_TWO_STROKES[:1], 1)
    drawing_review_label(drawing=Drawing.objects.get(pk=kept), reviewed_by=user, label=7)
    drawing_withdraw(drawing_id=withdrawn, visitor_id="visitor-a")
    drawing_withdraw(drawing_id=withdrawn, visitor_id="visitor-a")  # twice is once
    assert Drawing.objects.get(pk=withdrawn).is_withdrawn  # kept, with its history
    assert [d.pk for d in drawing_list_for_visitor(user=ANONYMOUS, visitor_id="visitor-a")] == [kept]
    assert drawing_stats_for_visitor(user=ANONYMOUS, visitor_id="visitor-a")["total"] == 1
    assert withdrawn not in {d.pk for d in drawing_list_for_review()}
    with pytest.raises(DrawingSettled, match="withdrawn"):  # a pen-up answered late cannot bring it back
        put(withdrawn, FOUR_IN_TWO_STROKES, 2)
    with pytest.raises(DrawingSettled, match="withdrawn"):  # nor a retry of an update it had
        put(withdrawn, FOUR_IN_TWO_STROKES[:1], 1)
    assert training_set_get().snapshot["user_drawings"] == 1


def test_a_withdrawn_reviewed_drawing_never_reaches_training(user):
    """Withdrawal is refused once reviewed; a row withdrawn by other means is still left out."""
    drawing_id = uuid.uuid4()
    _, drawing = four_drawn_in_two_strokes(drawing_id)
    drawing_review_label(drawing=drawing, reviewed_by=user, label=4)
    Drawing.objects.filter(pk=drawing_id).update(withdrawn_at=timezone.now())
    assert training_set_get().snapshot["user_drawings"] == 0


def test_the_users_correction_is_kept_on_the_final_drawing():
    drawing_id = uuid.uuid4()
    first, _ = put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    drawing_label_set(drawing=first, label=4)
    final, _ = put(drawing_id, FOUR_IN_TWO_STROKES, 2)
    assert Drawing.objects.get().user_label == 4
    drawing_label_set(drawing=final, label=9)
    drawing = Drawing.objects.get()
    assert (drawing.user_label, drawing.stroke_count, drawing.label_changes.count()) == (9, 2, 2)


def test_review_accuracy_counts_each_drawing_once_by_its_final_answer(user):
    drawing_id = uuid.uuid4()
    _, drawing = four_drawn_in_two_strokes(drawing_id)
    drawing_review_label(drawing=drawing, reviewed_by=user, label=4)
    [row] = review_accuracy_by_version()
    assert (row["total"], row["right"]) == (1, 1)


def test_strokes_are_checked_before_anything_is_stored():
    drawing_id = uuid.uuid4()
    put(drawing_id, FOUR_IN_TWO_STROKES[:1], 1)
    good = pen_strokes(FOUR_IN_TWO_STROKES)

    def with_stroke(**changes):
        return {**good, "strokes": [{**good["strokes"][0], **changes}, good["strokes"][1]]}

    too_large = [
        {**good, "strokes": good["strokes"] * 33},  # 66 strokes
        {**good, "strokes": [{"pointer_type": "pen", "x": [1.0] * 4001, "y": [1.0] * 4001, "t": [0.0] * 4001,
                              "pressure": [0.5] * 4001}]},
    ]
    invalid = [
        ({**good, "canvas_width": 300}, "canvas is 300x280"),
        (with_stroke(x=[float("nan")] + good["strokes"][0]["x"][1:]), "not a finite number"),
        (with_stroke(x=[float("inf")] + good["strokes"][0]["x"][1:]), "not a finite number"),
        (with_stroke(y=[281.0] + good["strokes"][0]["y"][1:]), "outside"),
        (with_stroke(pressure=[1.5] + good["strokes"][0]["pressure"][1:]), "outside"),
        (with_stroke(t=list(reversed(good["strokes"][0]["t"]))), "never decrease"),
        (with_stroke(x=good["strokes"][0]["x"][1:]), "same length"),
        (with_stroke(x=[], y=[], t=[], pressure=[]), "at least one point"),
        (with_stroke(pointer_type="finger"), "pointer_type"),
        (with_stroke(x=["1"] + good["strokes"][0]["x"][1:]), "not a finite number"),
        (with_stroke(x=[True] + good["strokes"][0]["x"][1:]), "not a finite number"),
        ({"strokes": "many"}, "list of strokes"),
    ]
    for strokes in too_large:
        with pytest.raises(StrokesTooLarge):
            drawing_put(drawing_id=drawing_id, image=strokes_png(FOUR_IN_TWO_STROKES), strokes=strokes, sequence=2,
                        owner=ANONYMOUS, visitor_id="visitor-a")
    for strokes, message in invalid:
        with pytest.raises(StrokesInvalid, match=message):
            drawing_put(drawing_id=drawing_id, image=strokes_png(FOUR_IN_TWO_STROKES), strokes=strokes, sequence=2,
                        owner=ANONYMOUS, visitor_id="visitor-a")
    drawing = Drawing.objects.get()
    assert drawing.sequence == 1 and drawing.stroke_count == 1 and Prediction.objects.count() == 1


def test_a_drawing_may_be_stored_without_strokes():
    drawing, created = drawing_put(drawing_id=uuid.uuid4(), image=seven_png(), sequence=1, owner=ANONYMOUS)
    assert created and drawing.strokes is None and drawing.stroke_count == 0 and drawing.prediction.digit == 7
