import time
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ml.preprocess import decode_canvas, ink_to_array
from recognizer.models import Drawing, LabelChange, Prediction
from recognizer.services.predictors import ModelUnavailable, predictor_get_serving


class IdempotencyKeyReused(Exception):
    """The idempotency key belongs to someone else's drawing."""


def drawing_create_with_prediction(
    *,
    image: str | bytes,
    owner=None,
    session_key: str = "",
    source: str = Drawing.Source.CANVAS,
    idempotency_key: uuid.UUID | None = None,
) -> tuple[Drawing, bool]:
    """Preprocess a canvas PNG, predict its digit, store drawing + prediction together.

    Returns (drawing, created). A retry with the same idempotency key returns the stored drawing.
    Raises ml.preprocess.PreprocessError for bad images and ModelUnavailable; nothing is stored then.
    The prediction records the version that actually answered.
    """
    if idempotency_key is not None:
        existing = _drawing_for_idempotency_key(idempotency_key, owner, session_key)
        if existing is not None:
            return existing, False

    started = time.perf_counter()
    canvas = decode_canvas(image, max_bytes=settings.MAX_IMAGE_BYTES, max_side=settings.MAX_IMAGE_SIDE)
    pixels = ink_to_array(canvas.ink)
    version, predictor = predictor_get_serving()
    result = predictor.predict(pixels)
    latency_ms = (time.perf_counter() - started) * 1000

    try:
        with transaction.atomic():
            drawing = Drawing.objects.create(
                owner=owner if owner is not None and owner.is_authenticated else None,
                session_key=session_key or "",
                source=source,
                image_png=canvas.png,
                pixels=pixels.astype("float32").tobytes(),
                canvas_width=canvas.width,
                canvas_height=canvas.height,
                idempotency_key=idempotency_key,
            )
            Prediction.objects.create(
                drawing=drawing,
                model_version=version,
                digit=result.digit,
                probabilities=list(result.probabilities),
                confidence=result.confidence,
                latency_ms=latency_ms,
            )
    except IntegrityError:
        # A concurrent retry with the same key won the race: answer with its drawing.
        if idempotency_key is None:
            raise
        existing = _drawing_for_idempotency_key(idempotency_key, owner, session_key)
        if existing is None:
            raise
        return existing, False
    return drawing, True


def _drawing_for_idempotency_key(key: uuid.UUID, owner, session_key: str) -> Drawing | None:
    drawing = Drawing.objects.filter(idempotency_key=key).first()
    if drawing is None:
        return None
    if not drawing.is_visible_to(owner, session_key) and not (drawing.owner_id is None and not drawing.session_key):
        raise IdempotencyKeyReused("this idempotency key was already used for another drawing")
    return drawing


@transaction.atomic
def drawing_label_set(*, drawing: Drawing, label: int | None, changed_by=None) -> Drawing:
    """Set (or clear, with None) the digit a drawing really is; every change is audited."""
    if label is not None and not 0 <= label <= 9:
        raise ValueError("label must be a digit from 0 to 9")
    locked = Drawing.objects.select_for_update().only("id", "user_label").get(pk=drawing.pk)
    if locked.user_label != label:
        LabelChange.objects.create(
            drawing=locked,
            changed_by=changed_by if changed_by is not None and changed_by.is_authenticated else None,
            old_label=locked.user_label,
            new_label=label,
        )
        Drawing.objects.filter(pk=drawing.pk).update(user_label=label, user_labeled_at=timezone.now())
    drawing.refresh_from_db(fields=["user_label", "user_labeled_at"])
    return drawing
