"""Drawings stored whole with their prediction (the API, /guess, an import), the live preview
that stores nothing, the user's own label, and the anonymous drawings an account claims at login.

The pen-up flow's updates and withdrawals are services/drawing_updates.py, which stores through
this module's steps (decode and check, the unsaved prediction, the owner, the one-round-trip
insert); a reviewer's decisions are services/reviews.py.
"""

import time
import uuid
from contextlib import nullcontext

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ml.preprocess import PreprocessError, decode_canvas, ink_to_array
from recognizer.models import Drawing, LabelChange, Prediction
from recognizer.selectors import drawing_list_for_visitor
from recognizer.services.predictors import ModelUnavailable, predictor_get_serving
from recognizer.services.reviews import drawing_review_label
from recognizer.strokes import strokes_clean


class IdempotencyKeyReused(Exception):
    """The idempotency key belongs to someone else's drawing."""


def prediction_preview(*, image: str | bytes):
    """A live guess while the user is still drawing: the same preprocessing and model, nothing
    stored (the finished drawing is stored when the pen lifts). Returns (prediction, version)."""
    canvas = decode_canvas(image, max_bytes=settings.MAX_IMAGE_BYTES, max_side=settings.MAX_IMAGE_SIDE)
    version, predictor = predictor_get_serving()
    return predictor.predict(ink_to_array(canvas.ink)), version


def drawing_create_with_prediction(
    *,
    image: str | bytes,
    owner=None,
    visitor_id: str = "",
    source: str = Drawing.Source.CANVAS,
    idempotency_key: uuid.UUID | None = None,
    strokes: dict | None = None,
) -> tuple[Drawing, bool]:
    """Preprocess a canvas PNG, predict its digit, store drawing + prediction together (and the
    strokes that drew it, checked first: recognizer.strokes).

    Returns (drawing, created). A retry with the same idempotency key returns the stored drawing.
    Raises ml.preprocess.PreprocessError for bad images and ModelUnavailable; nothing is stored then.
    The prediction records the version that actually answered.

    The key is looked up only when the insert hits its unique constraint (or this attempt cannot
    be answered), not before: a retry is rare, and a fresh drawing is then one round trip cheaper.
    """
    started = time.perf_counter()
    try:
        canvas, strokes, pixels = _canvas_decoded(image, strokes)
        version, predictor = predictor_get_serving()
    except (PreprocessError, ModelUnavailable):
        # A retry of a stored drawing is answered with it, whatever this attempt's image or model.
        existing = _drawing_for_idempotency_key(idempotency_key, owner, visitor_id) if idempotency_key else None
        if existing is None:
            raise
        return existing, False
    result = predictor.predict(pixels)
    prediction = _prediction(version, result, started=started, strokes=strokes)
    drawing = Drawing(
        **_owned_by(owner, visitor_id),
        source=source,
        image_png=canvas.png,
        pixels=Drawing.pixels_encode(pixels),
        canvas_width=canvas.width,
        canvas_height=canvas.height,
        idempotency_key=idempotency_key,
        strokes=strokes,
        predicted_digit=result.digit,
        confidence=result.confidence,
    )
    prediction.drawing = drawing
    try:
        _drawing_and_prediction_insert(drawing, prediction)
    except IntegrityError:
        # The key is taken: a retry (or a concurrent one that won the race) gets its drawing.
        if idempotency_key is None:
            raise
        existing = _drawing_for_idempotency_key(idempotency_key, owner, visitor_id)
        if existing is None:
            raise
        return existing, False
    drawing._latest_prediction = prediction
    return drawing, True


# The steps every stored drawing goes through; services/drawing_updates.py's drawing_put uses them too.
def _canvas_decoded(image: str | bytes, strokes: dict | None):
    """(canvas, its checked strokes or None, the 28x28 the model sees); PreprocessError or
    StrokesTooLarge/StrokesInvalid before anything else happens."""
    canvas = decode_canvas(image, max_bytes=settings.MAX_IMAGE_BYTES, max_side=settings.MAX_IMAGE_SIDE)
    if strokes is not None:
        strokes = strokes_clean(strokes, canvas_width=canvas.width, canvas_height=canvas.height)
    return canvas, strokes, ink_to_array(canvas.ink)


def _prediction(version, result, *, started: float, strokes: dict | None) -> Prediction:
    """The (unsaved) answer `version` gave, timed from `started` (decode + preprocess + inference)."""
    return Prediction(
        model_version=version,
        digit=result.digit,
        probabilities=list(result.probabilities),
        confidence=result.confidence,
        verdict=result.verdict,
        latency_ms=(time.perf_counter() - started) * 1000,
        stroke_count=len(strokes["strokes"]) if strokes is not None else None,
    )


def _owned_by(owner, visitor_id: str) -> dict:
    """A signed-in user's drawing belongs to the account alone; an anonymous one to its visitor id."""
    if owner is not None and owner.is_authenticated:
        return {"owner": owner, "visitor_id": ""}
    return {"owner": None, "visitor_id": visitor_id}


def _drawing_and_prediction_insert(drawing: Drawing, prediction: Prediction) -> None:
    """Insert a new drawing and its prediction: both rows or neither (IntegrityError if the
    drawing's idempotency key is taken).

    On PostgreSQL it is one statement, so one round trip instead of four (BEGIN, INSERT, INSERT,
    COMMIT): a data-modifying WITH inserts the drawing and the main INSERT the prediction. A
    statement is atomic by itself, and outside a transaction (autocommit, as requests run) it
    commits by itself, so the response is still sent only after both rows are committed. The
    prediction names the drawing by its id, known before the insert (a UUID made here); its
    foreign key, deferred as Django declares them, is checked at commit, when the drawing row
    exists. Inside a caller's transaction it runs in a savepoint, as atomic() does, so a taken key
    leaves that transaction usable. The SQL is the INSERTs save() would send (same columns,
    defaults, auto_now_add and value adaptation; a test compares them); save()'s signals are not
    sent (the project has none). Elsewhere (SQLite, where a round trip is a function call) the
    two saves in one transaction.
    """
    if connection.vendor != "postgresql":
        with transaction.atomic():
            drawing.save(force_insert=True)
            prediction.save(force_insert=True)
        return
    drawing_sql, drawing_params = _insert_sql(drawing)
    prediction_sql, prediction_params = _insert_sql(prediction, returning=True)  # RETURNING its id
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(f"WITH new_drawing AS ({drawing_sql}) {prediction_sql}", [*drawing_params, *prediction_params])
            (prediction.pk,) = cursor.fetchone()
    for obj in (drawing, prediction):
        obj._state.adding, obj._state.db = False, connection.alias


def _insert_sql(obj, *, returning: bool = False) -> tuple[str, list]:
    """`INSERT INTO <table> (<columns>) VALUES (%s, ...)` for the new `obj`, and its params: the
    columns and values save() sends, from the same field methods (pre_save: defaults and
    auto_now_add; get_db_prep_save: adaptation). An auto-increment id is left to the database
    (and returned, with `returning`)."""
    meta, qn = obj._meta, connection.ops.quote_name
    fields = [f for f in meta.local_concrete_fields
              if not f.generated and not (f in meta.db_returning_fields and getattr(obj, f.attname) is None)]
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if returning:
        sql += f" RETURNING {qn(meta.pk.column)}"
    return sql, [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


def _drawing_for_idempotency_key(key: uuid.UUID, owner, visitor_id: str) -> Drawing | None:
    drawing = Drawing.objects.filter(idempotency_key=key).first()
    if drawing is None:
        return None
    # A cookie-less client's drawing belongs to nobody: holding its key is enough to replay it.
    belongs_to_nobody = drawing.owner_id is None and not drawing.visitor_id
    if not belongs_to_nobody and not drawing_list_for_visitor(user=owner, visitor_id=visitor_id).filter(
        pk=drawing.pk
    ).exists():
        raise IdempotencyKeyReused("this idempotency key was already used for another drawing")
    return drawing


NOT_A_DIGIT = "not_a_digit"  # the user's label for "this is not a digit"


@transaction.atomic
def drawing_label_set(*, drawing: Drawing, label: int | str | None, changed_by=None) -> Drawing:
    """The user's own word on which digit it is, or NOT_A_DIGIT (None clears it); every change
    is audited (a "not a digit" change as status "not_a_digit"). It steers the review queue; the
    training label is the reviewer's (drawing_review_label)."""
    not_a_digit = label == NOT_A_DIGIT
    if not not_a_digit and label is not None and (isinstance(label, bool) or not isinstance(label, int)
                                                  or not 0 <= label <= 9):
        raise ValueError("label must be a digit from 0 to 9 or 'not_a_digit'")
    digit = None if not_a_digit else label
    locked = Drawing.objects.select_for_update().only("id", "user_label", "user_says_not_a_digit").get(pk=drawing.pk)
    if (locked.user_label, locked.user_says_not_a_digit) != (digit, not_a_digit):
        LabelChange.objects.create(
            drawing=locked, kind=LabelChange.Kind.USER, changed_by=_user_or_none(changed_by),
            old_label=locked.user_label, new_label=digit,
            old_status=NOT_A_DIGIT if locked.user_says_not_a_digit else "",
            new_status=NOT_A_DIGIT if not_a_digit else "",
        )
        Drawing.objects.filter(pk=drawing.pk).update(
            user_label=digit, user_says_not_a_digit=not_a_digit, user_labeled_at=timezone.now(),
            label_version=F("label_version") + 1,
        )
    drawing.refresh_from_db(fields=["user_label", "user_says_not_a_digit", "user_labeled_at", "label_version"])
    return drawing


def _user_or_none(user):
    return user if user is not None and user.is_authenticated else None


def drawing_import(*, png: bytes, label: int, reviewed_by=None) -> Drawing:
    """A labelled image from elsewhere: stored, predicted and reviewed like any drawing."""
    drawing, _ = drawing_create_with_prediction(image=png, source=Drawing.Source.IMPORT)
    return drawing_review_label(drawing=drawing, reviewed_by=reviewed_by, label=label)


def drawing_list_claim(*, visitor_id: str, user) -> int:
    """Give the account the drawings its person made anonymously in this browser (at login and
    sign-up). They stop belonging to the visitor id, so a later visitor on the same browser
    cannot see them. Returns how many moved."""
    if not visitor_id or user is None or not user.is_authenticated:
        return 0
    return Drawing.objects.filter(owner__isnull=True, visitor_id=visitor_id).update(owner=user, visitor_id="")
