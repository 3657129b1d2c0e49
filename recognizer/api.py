"""The JSON API (django-ninja), documented at /api/docs, schema at /api/openapi.json.

Visitors are identified by their Django session: a signed-in user, or an anonymous browser
(by the opaque visitor id in its session's data, see recognizer/visitors.py). Writes that carry the site's cookies are CSRF-checked; a client that sends no cookie
has nothing to forge and needs no token (its drawings belong to nobody).
"""

import base64
import logging
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import EmptyPage, Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import HttpError, ValidationError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from ml.preprocess import PreprocessError, array_to_png
from recognizer.errors import error_message, error_status
from recognizer.middleware import database_error_response
from recognizer.models import Drawing
from recognizer.ratelimit import retry_after, too_many
from recognizer.schemas import (
    DrawingDetailOut,
    DrawingOut,
    DrawingPageOut,
    DrawingPutIn,
    ErrorOut,
    LabelIn,
    PredictionIn,
    PreviewOut,
)
from recognizer.selectors import drawing_get_for_visitor, drawing_list_for_visitor, prediction_list_for_drawing
from recognizer.services.drawing_updates import DrawingNotFound, DrawingSettled, drawing_put, drawing_withdraw
from recognizer.services.drawings import (
    IdempotencyKeyReused,
    drawing_create_with_prediction,
    drawing_label_set,
    prediction_preview,
)
from recognizer.services.predictors import ModelUnavailable
from recognizer.strokes import StrokesInvalid, StrokesTooLarge
from recognizer.visitors import visitor_id_ensure, visitor_id_get

logger = logging.getLogger(__name__)

# This module holds the endpoints, who the visitor is and the error handlers; the bodies they take
# and return are recognizer/schemas.py. Its docstring is the API's description at /api/docs, so it is
# written for the API's users.
api = NinjaAPI(title="Digitsite API", version="1.0", urls_namespace="api", description=__doc__)


@dataclass(frozen=True)
class Visitor:
    user: object
    visitor_id: str  # "" for a signed-in user's or a new browser's request
    is_browser: bool  # carries our cookies, so it is CSRF-checked and may get a session


class SessionVisitor(AuthBase):
    """Every request is a visitor (signed in or not); unsafe methods on a session are CSRF-checked."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Visitor:
        is_browser = settings.SESSION_COOKIE_NAME in request.COOKIES or settings.CSRF_COOKIE_NAME in request.COOKIES
        if request.method not in ("GET", "HEAD", "OPTIONS") and is_browser and check_csrf(request):
            raise HttpError(403, "CSRF check failed: reload the page and try again")
        return Visitor(user=request.user, visitor_id=visitor_id_get(request), is_browser=is_browser)


visitor = SessionVisitor()


def drawing_out(drawing: Drawing, *, with_input: bool = False) -> dict:
    prediction = drawing.prediction
    input_image = None
    if with_input:
        input_image = "data:image/png;base64," + base64.b64encode(array_to_png(drawing.pixels_array())).decode()
    return {
        "id": drawing.id,
        "created_at": drawing.created_at,
        "digit": prediction.digit if prediction else None,
        "confidence": prediction.confidence if prediction else None,
        "probabilities": prediction.probabilities if prediction else [],
        "verdict": prediction.verdict if prediction else None,
        "model_version": prediction.model_version.name if prediction else None,
        "user_label": drawing.user_label,
        "user_says_not_a_digit": drawing.user_says_not_a_digit,
        "canvas_width": drawing.canvas_width,
        "canvas_height": drawing.canvas_height,
        "image_url": drawing.image_url,
        "input_url": drawing.input_url,
        "input_image": input_image,
        "sequence": drawing.sequence,
        "stroke_count": (prediction.stroke_count or 0) if prediction else 0,
    }


def drawing_detail_out(drawing: Drawing) -> dict:
    history = [{"digit": p.digit, "confidence": p.confidence, "verdict": p.verdict,
                "model_version": p.model_version.name,
                "stroke_count": p.stroke_count, "is_final": p.is_final, "created_at": p.created_at}
               for p in prediction_list_for_drawing(drawing=drawing)]
    return {**drawing_out(drawing, with_input=True), "strokes": drawing.strokes, "history": history}


def _visible_drawing(request, drawing_id) -> Drawing:
    try:
        return drawing_get_for_visitor(drawing_id=drawing_id, user=request.auth.user, visitor_id=request.auth.visitor_id)
    except Drawing.DoesNotExist:
        raise HttpError(404, "no such drawing") from None


@api.post(
    "/predictions",
    auth=visitor,
    response={200: DrawingOut | PreviewOut, 201: DrawingOut, 400: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut,
              429: ErrorOut, 503: ErrorOut},
    summary="Predict the digit in a canvas drawing (and store it, unless it is a preview)",
)
def prediction_create(request, response: HttpResponse, payload: PredictionIn):
    wait = retry_after(request, "preview" if payload.preview else "predict")
    if wait is not None:
        return too_many(wait)
    started = time.perf_counter()
    if payload.preview:
        result, version = prediction_preview(image=payload.image)
        response["Server-Timing"] = _server_timing(started)
        request.model_version = version.name
        return Status(200, {"digit": result.digit, "confidence": result.confidence,
                            "probabilities": list(result.probabilities), "verdict": result.verdict,
                            "model_version": version.name})
    drawing, created = drawing_create_with_prediction(
        image=payload.image,
        owner=request.user,
        visitor_id=_visitor_id_for_new_drawing(request),
        idempotency_key=payload.idempotency_key,
        strokes=payload.strokes.model_dump() if payload.strokes else None,
    )
    response["Server-Timing"] = _server_timing(started)
    body = drawing_out(drawing, with_input=True)
    request.model_version = body["model_version"]
    return Status(201 if created else 200, body)


def _visitor_id_for_new_drawing(request) -> str:
    visitor_id = request.auth.visitor_id
    if request.auth.is_browser and not visitor_id and not request.user.is_authenticated:
        # An anonymous browser's drawings belong to it: give it an id (and its session a cookie).
        visitor_id = visitor_id_ensure(request)
    return visitor_id


def _server_timing(started: float) -> str:
    """The time to decode, preprocess, predict and (unless a preview) store, for the client and
    the browser's developer tools; the middleware adds the whole request's as "app"."""
    return f"predict;dur={(time.perf_counter() - started) * 1000:.2f}"


@api.get("/drawings", auth=visitor, response=DrawingPageOut, summary="Your drawings, newest first")
def drawing_list(request, page: int = 1):
    drawings = drawing_list_for_visitor(user=request.auth.user, visitor_id=request.auth.visitor_id)
    paginator = Paginator(drawings, settings.DRAWINGS_PER_PAGE)
    try:
        current = paginator.page(page)
    except EmptyPage:
        raise HttpError(404, f"page {page} does not exist") from None
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "results": [drawing_out(drawing) for drawing in current.object_list],
    }


@api.get("/drawings/{drawing_id}", auth=visitor, response={200: DrawingDetailOut, 404: ErrorOut},
         summary="One of your drawings, with its strokes and the history of its answers")
def drawing_detail(request, drawing_id: uuid.UUID):
    return drawing_detail_out(_visible_drawing(request, drawing_id))


@api.put(
    "/drawings/{drawing_id}",
    auth=visitor,
    response={200: DrawingOut, 201: DrawingOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut,
              422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Store your drawing as it is now, and predict it (the page sends it at every pen-up and Undo)",
    description=(
        "The page makes the drawing's id (a UUID) when its first stroke starts. The first update creates "
        "the drawing (201); each later one replaces its image and strokes and adds its answer to the "
        "drawing's history (200). Updates numbered no higher than the last applied change nothing, so "
        "retries are safe. Someone else's drawing: 404; reviewed, withdrawn, or older than "
        f"{settings.DRAWING_EDIT_WINDOW_SECONDS} seconds: 409."),
)
def drawing_update(request, response: HttpResponse, drawing_id: uuid.UUID, payload: DrawingPutIn):
    wait = retry_after(request, "predict")
    if wait is not None:
        return too_many(wait)
    started = time.perf_counter()
    drawing, created = drawing_put(
        drawing_id=drawing_id,
        image=payload.image,
        sequence=payload.sequence,
        strokes=payload.strokes.model_dump() if payload.strokes else None,
        owner=request.user,
        visitor_id=_visitor_id_for_new_drawing(request),
    )
    response["Server-Timing"] = _server_timing(started)
    body = drawing_out(drawing, with_input=True)
    request.model_version = body["model_version"]
    return Status(201 if created else 200, body)


@api.delete(
    "/drawings/{drawing_id}",
    auth=visitor,
    response={204: None, 404: ErrorOut, 409: ErrorOut},
    summary="Withdraw your drawing (undone to an empty canvas): out of review, your list, stats and training",
)
def drawing_delete(request, drawing_id: uuid.UUID):
    drawing_withdraw(drawing_id=drawing_id, owner=request.user, visitor_id=request.auth.visitor_id)
    return Status(204, None)


@api.patch(
    "/drawings/{drawing_id}",
    auth=visitor,
    response={200: DrawingOut, 404: ErrorOut, 422: ErrorOut},
    summary="Say which digit your drawing really is (or that it is not a digit)",
)
def drawing_label(request, drawing_id: uuid.UUID, payload: LabelIn):
    drawing = _visible_drawing(request, drawing_id)
    drawing = drawing_label_set(drawing=drawing, label=payload.label, changed_by=request.user)
    return drawing_out(drawing, with_input=True)


# Every error is JSON with a message, whatever raised it.
def _error(request, message: str, status: int, **extra):
    return api.create_response(request, {"error": message, **extra}, status=status)


@api.exception_handler(PreprocessError)
@api.exception_handler(ModelUnavailable)
@api.exception_handler(IdempotencyKeyReused)
@api.exception_handler(DrawingNotFound)
@api.exception_handler(DrawingSettled)
@api.exception_handler(StrokesTooLarge)
@api.exception_handler(StrokesInvalid)
def prediction_error(request, exc):
    return _error(request, error_message(exc), error_status(exc))


@api.exception_handler(RequestDataTooBig)
def request_too_big(request, exc):
    return _error(request, "request body too large", 413)


@api.exception_handler(DatabaseError)
def database_error(request, exc):
    return database_error_response(request, exc)  # 503, or 400 for a value the database refuses


@api.exception_handler(HttpError)
def http_error(request, exc):
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error.get('loc', [])[1:]) or 'body'}: {error.get('msg')}" for error in exc.errors
    )
    return _error(request, f"invalid request: {problems}", 422, detail=exc.errors)
