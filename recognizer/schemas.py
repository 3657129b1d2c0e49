"""The JSON API's request and response bodies (django-ninja schemas, pydantic underneath): the
shapes /api/openapi.json documents. recognizer/api.py's endpoints take and return them."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import FiniteFloat


class ErrorOut(Schema):
    error: str


class StrokeSchema(Schema):
    pointer_type: Literal["mouse", "touch", "pen"]
    x: list[FiniteFloat] = Field(..., description="canvas CSS pixels from the left, 0 to canvas_width")
    y: list[FiniteFloat] = Field(..., description="canvas CSS pixels from the top, 0 to canvas_height")
    t: list[FiniteFloat] = Field(..., description="ms since the drawing's first pen-down, never decreasing")
    pressure: list[FiniteFloat] = Field(..., description="0 to 1, as Pointer Events report it (0.5 for a mouse)")


class StrokesSchema(Schema):
    canvas_width: int = Field(..., description="CSS pixels: the image's width")
    canvas_height: int = Field(..., description="CSS pixels: the image's height")
    strokes: list[StrokeSchema] = Field(
        ..., description=f"in the order drawn; at most {settings.DRAWING_MAX_STROKES} strokes and "
                         f"{settings.DRAWING_MAX_POINTS} points in all (413 otherwise); x, y, t and "
                         "pressure of a stroke have one value per point")


class PredictionIn(Schema):
    image: str = Field(..., description="the canvas as a PNG data URL: data:image/png;base64,...")
    idempotency_key: uuid.UUID | None = Field(None, description="a fresh UUID per drawing; retries reuse it")
    preview: bool = Field(False, description="a live guess while the pen is still down: answered, not stored")
    strokes: StrokesSchema | None = Field(None, description="the strokes that drew it, stored with it")


class DrawingPutIn(Schema):
    image: str = Field(..., description="the canvas as it is now, as a PNG data URL: data:image/png;base64,...")
    strokes: StrokesSchema | None = Field(None, description="the strokes drawn so far")
    sequence: int = Field(..., ge=1, le=2**31 - 1, description=(
        "this update's number: 1 for the first pen-up, then higher for each later pen-up or Undo; an "
        "update numbered no higher than the last one applied (a retry, or overtaken) changes nothing"))


Verdict = Literal["digit", "unsure", "not_a_digit"]
VERDICT_DESCRIPTION = ("how sure the model is, in words: 'digit' (it reads it as `digit`), 'unsure' (it might be "
                       "another digit: see `probabilities`) or 'not_a_digit' (it does not look like a digit at all); "
                       "null for predictions stored before verdicts existed")


class PreviewOut(Schema):
    digit: int
    confidence: float
    probabilities: list[float]
    verdict: Verdict = Field(..., description=VERDICT_DESCRIPTION)
    model_version: str


class LabelIn(Schema):
    label: Annotated[int, Field(ge=0, le=9)] | Literal["not_a_digit"] | None = Field(
        ..., description="the digit it really is, 'not_a_digit' if it is none, or null to clear")


class DrawingOut(Schema):
    id: uuid.UUID
    created_at: datetime
    digit: int | None
    confidence: float | None
    probabilities: list[float]
    verdict: Verdict | None = Field(..., description=VERDICT_DESCRIPTION)
    model_version: str | None
    user_label: int | None
    user_says_not_a_digit: bool = Field(..., description="the user said it is not a digit (label 'not_a_digit')")
    canvas_width: int
    canvas_height: int
    image_url: str
    input_url: str
    input_image: str | None = Field(None, description="the 28x28 image the model saw, as a PNG data URL")
    sequence: int = Field(..., description="the number of the last update applied (0: never updated)")
    stroke_count: int = Field(..., description="strokes stored with it (0: stored without strokes)")


class PredictionHistoryOut(Schema):
    digit: int
    confidence: float
    verdict: Verdict | None = Field(..., description=VERDICT_DESCRIPTION)
    model_version: str
    stroke_count: int | None = Field(..., description="strokes drawn when it was asked (null: not known)")
    is_final: bool = Field(..., description="the answer to the drawing as it was last updated")
    created_at: datetime


class DrawingDetailOut(DrawingOut):
    strokes: StrokesSchema | None = Field(..., description="what the pen did; null for drawings stored without")
    history: list[PredictionHistoryOut] = Field(..., description="every answer it got, in order; the last is final")


class DrawingPageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[DrawingOut]
