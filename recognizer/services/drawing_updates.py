"""A drawing updated from the page's pen-up flow: drawing_put stores the drawing as it is now
(created by its first update, replaced by each later one) and drawing_withdraw takes it back
when it is undone to an empty canvas. Both lock the row and refuse a drawing that can no longer
change. Decoding, predicting and the one-round-trip insert are services/drawings.py's, shared.
"""

import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from recognizer.models import Drawing, Prediction
from recognizer.selectors import drawing_owned_by
from recognizer.services.drawings import _canvas_decoded, _drawing_and_prediction_insert, _owned_by, _prediction
from recognizer.services.predictors import predictor_get_serving


class DrawingNotFound(Exception):
    """No such drawing, or not this visitor's (the same answer, so ids don't leak)."""


class DrawingSettled(Exception):
    """The drawing can no longer change: reviewed, withdrawn, or past its edit window."""


def drawing_put(
    *,
    drawing_id: uuid.UUID,
    image: str | bytes,
    sequence: int,
    strokes: dict | None = None,
    owner=None,
    visitor_id: str = "",
) -> tuple[Drawing, bool]:
    """The page's drawing `drawing_id` as it is now (its canvas PNG and strokes): created by its
    first update, replaced by each later one, which also adds its prediction to the drawing's
    history and makes it the final one. One row per drawing, however many pen-ups and Undos.

    The page numbers its updates (`sequence`, from 1): one numbered no higher than the drawing's
    last applied is a retry or was overtaken by a later one, and changes nothing (the drawing is
    returned as it is). The row is locked while it changes, so racing updates apply one at a time
    and the highest number wins whatever order they arrive in. Returns (drawing, created).
    Raises DrawingNotFound when it is someone else's, DrawingSettled when it can no longer change,
    PreprocessError, StrokesTooLarge/StrokesInvalid and ModelUnavailable (nothing is stored then).
    """
    prediction, content = _update_predicted(image, strokes, sequence=sequence)

    def insert() -> Drawing:
        return _drawing_insert(drawing_id, owner, visitor_id, content=content, prediction=prediction)

    if sequence == 1:
        # Most likely the drawing's first pen-up: try the insert alone (one round trip on
        # PostgreSQL). The id taken means a retry, a race with a later update, or someone else's.
        try:
            return insert(), True
        except IntegrityError:
            pass
    with transaction.atomic():
        locked = _drawing_lock(drawing_id, owner, visitor_id)
        if locked is None:
            # A later update that overtook the first (or the first was lost): it creates the drawing.
            try:
                return insert(), True
            except IntegrityError:  # the first one came in meanwhile
                locked = _drawing_lock(drawing_id, owner, visitor_id)
                if locked is None:
                    raise
        return _update_apply(locked, sequence=sequence, content=content, prediction=prediction), False


def _update_predicted(image: str | bytes, strokes: dict | None, *, sequence: int) -> tuple[Prediction, dict]:
    """The update decoded, checked and predicted, nothing stored yet: its (unsaved) prediction and
    the drawing's fields as the update leaves them."""
    started = time.perf_counter()
    canvas, strokes, pixels = _canvas_decoded(image, strokes)
    version, predictor = predictor_get_serving()
    result = predictor.predict(pixels)
    prediction = _prediction(version, result, started=started, strokes=strokes)
    content = {"image_png": canvas.png, "pixels": Drawing.pixels_encode(pixels), "canvas_width": canvas.width,
               "canvas_height": canvas.height, "strokes": strokes, "sequence": sequence,
               "predicted_digit": result.digit, "confidence": result.confidence, "updated_at": timezone.now()}
    return prediction, content


def _drawing_insert(drawing_id, owner, visitor_id: str, *, content: dict, prediction: Prediction) -> Drawing:
    """The drawing created by this update, stored with its prediction. IntegrityError if the id is
    taken: nothing is stored and the prediction is left belonging to no drawing."""
    drawing = Drawing(id=drawing_id, **_owned_by(owner, visitor_id), source=Drawing.Source.CANVAS, **content)
    prediction.drawing = drawing
    try:
        _drawing_and_prediction_insert(drawing, prediction)
    except IntegrityError:
        prediction.drawing = None
        raise
    drawing._latest_prediction = prediction
    return drawing


def _update_apply(locked: Drawing, *, sequence: int, content: dict, prediction: Prediction) -> Drawing:
    """The update applied to the locked drawing: its fields replaced and its prediction added as
    the final one; one numbered no higher than the last applied changes nothing. DrawingNotFound
    when it is someone else's, DrawingSettled when it can no longer change."""
    if not locked.is_owners:
        raise DrawingNotFound("no such drawing")
    if sequence <= locked.sequence:
        _drawing_check_open(locked, only_withdrawn=True)
        return locked
    _drawing_check_open(locked)
    Prediction.objects.filter(drawing=locked, is_final=True).update(is_final=False)
    prediction.drawing = locked
    prediction.save(force_insert=True)
    for name, value in content.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(content))
    locked._latest_prediction = prediction
    return locked


@transaction.atomic
def drawing_withdraw(*, drawing_id: uuid.UUID, owner=None, visitor_id: str = "") -> None:
    """Undone back to an empty canvas: the drawing is kept (its history with it) but leaves the
    review queue, My drawings, stats, exports and training. Withdrawing twice is a no-op; later
    updates are refused (DrawingSettled), so a pen-up answered late cannot bring it back."""
    locked = _drawing_lock(drawing_id, owner, visitor_id)
    if locked is None or not locked.is_owners:
        raise DrawingNotFound("no such drawing")
    if locked.is_withdrawn:
        return
    _drawing_check_open(locked)
    locked.withdrawn_at = locked.updated_at = timezone.now()
    locked.save(update_fields=["withdrawn_at", "updated_at"])


def _drawing_lock(drawing_id, owner, visitor_id: str) -> Drawing | None:
    """The drawing, locked until the transaction ends, with `is_owners`: whether this visitor may
    change it. None if there is no such drawing. Its images and strokes are not loaded."""
    is_owners = ExpressionWrapper(drawing_owned_by(user=owner, visitor_id=visitor_id), output_field=BooleanField())
    return (Drawing.objects.select_for_update().defer("image_png", "pixels", "strokes")
            .annotate(is_owners=is_owners).filter(pk=drawing_id).first())


def _drawing_check_open(drawing: Drawing, *, only_withdrawn: bool = False) -> None:
    """DrawingSettled unless the drawing may still change."""
    if drawing.is_withdrawn:
        raise DrawingSettled("this drawing was withdrawn (undone to an empty canvas): start a new one")
    if only_withdrawn:
        return
    if drawing.review_status != Drawing.Review.UNREVIEWED:
        raise DrawingSettled("this drawing has been reviewed and can no longer change: start a new one")
    window = settings.DRAWING_EDIT_WINDOW_SECONDS
    if drawing.created_at < timezone.now() - timedelta(seconds=window):
        raise DrawingSettled(f"this drawing is more than {window} seconds old and can no longer change: start a new one")
