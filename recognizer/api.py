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
from datetime import datetime

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.paginator import EmptyPage, Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import HttpError, ValidationError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from ml.preprocess import PreprocessError, array_to_png
from recognizer.errors import error_message, error_status
from recognizer.middleware import database_error_response
from recognizer.models import Drawing
from recognizer.ratelimit import retry_after, too_many
from recognizer.selectors import drawing_get_for_visitor, drawing_list_for_visitor
from recognizer.services.drawings import (
    IdempotencyKeyReused,
    drawing_create_with_prediction,
    drawing_label_set,
    prediction_preview,
)
from recognizer.services.predictors import ModelUnavailable
from recognizer.visitors import visitor_id_ensure, visitor_id_get

logger = logging.getLogger(__name__)

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


class ErrorOut(Schema):
    error: str


class PredictionIn(Schema):
    image: str = Field(..., description="the canvas as a PNG data URL: data:image/png;base64,...")
    idempotency_key: uuid.UUID | None = Field(None, description="a fresh UUID per drawing; retries reuse it")
    preview: bool = Field(False, description="a live guess while the pen is still down: answered, not stored")


class PreviewOut(Schema):
    digit: int
    confidence: float
    probabilities: list[float]
    model_version: str


class LabelIn(Schema):
    label: int | None = Field(..., ge=0, le=9, description="the digit it really is, or null to clear")


class DrawingOut(Schema):
    id: uuid.UUID
    created_at: datetime
    digit: int | None
    confidence: float | None
    probabilities: list[float]
    model_version: str | None
    user_label: int | None
    canvas_width: int
    canvas_height: int
    image_url: str
    input_url: str
    input_image: str | None = Field(None, description="the 28x28 image the model saw, as a PNG data URL")


class DrawingPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[DrawingOut]


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
        "model_version": prediction.model_version.name if prediction else None,
        "user_label": drawing.user_label,
        "canvas_width": drawing.canvas_width,
        "canvas_height": drawing.canvas_height,
        "image_url": drawing.image_url,
        "input_url": drawing.input_url,
        "input_image": input_image,
    }


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
                            "probabilities": list(result.probabilities), "model_version": version.name})
    visitor_id = request.auth.visitor_id
    if request.auth.is_browser and not visitor_id and not request.user.is_authenticated:
        # An anonymous browser's drawings belong to it: give it an id (and its session a cookie).
        visitor_id = visitor_id_ensure(request)
    drawing, created = drawing_create_with_prediction(
        image=payload.image,
        owner=request.user,
        visitor_id=visitor_id,
        idempotency_key=payload.idempotency_key,
    )
    response["Server-Timing"] = _server_timing(started)
    body = drawing_out(drawing, with_input=True)
    request.model_version = body["model_version"]
    return Status(201 if created else 200, body)


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


@api.get("/drawings/{drawing_id}", auth=visitor, response={200: DrawingOut, 404: ErrorOut}, summary="One of your drawings")
def drawing_detail(request, drawing_id: uuid.UUID):
    return drawing_out(_visible_drawing(request, drawing_id), with_input=True)


@api.patch(
    "/drawings/{drawing_id}",
    auth=visitor,
    response={200: DrawingOut, 404: ErrorOut, 422: ErrorOut},
    summary="Say which digit your drawing really is",
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
