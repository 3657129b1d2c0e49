"""The keyboard review page and its two JSON endpoints (next drawing, decision), mixed into
DrawingAdmin so they sit behind the admin's login and the review permission."""

import json
import uuid

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from pydantic import BaseModel, Field, StrictBool, StrictInt, ValidationError

from recognizer.models import Drawing
from recognizer.selectors import drawing_list_for_review
from recognizer.services.reviews import (
    ReviewConflict,
    drawing_review_label,
    drawing_review_reject,
    drawing_review_undo,
)


class ReviewDecision(BaseModel):
    """The decision endpoint's JSON body. Strict: JSON has one number type, and 5.5 is not a
    label, 5.0 is not either (a client that sends it has a bug), and true is not 1. Unknown keys
    are ignored. The fields are checked in this order; the first one wrong names the error."""

    label: StrictInt | None = Field(default=None, ge=0, le=9)  # 0 included: a digit, not "absent"
    reject: StrictBool = False
    unreview: StrictBool = False
    expected_version: StrictInt | None = Field(default=None, ge=0)


REVIEW_DECISION_ERRORS = {
    "label": "label must be a whole number from 0 to 9",
    "reject": "reject must be true or false",
    "unreview": "unreview must be true or false",
    "expected_version": "expected_version must be the drawing's label_version, a whole number",
}


def review_decision_parse(body: dict) -> ReviewDecision:
    """ValueError (the endpoint's 422) for a value of the wrong kind or not exactly one decision."""
    try:
        decision = ReviewDecision.model_validate(body)
    except ValidationError as exc:
        raise ValueError(REVIEW_DECISION_ERRORS[exc.errors()[0]["loc"][0]]) from None
    if sum((decision.label is not None, decision.reject, decision.unreview)) != 1:
        raise ValueError("give exactly one of: a label, reject, or unreview")
    return decision


def review_decision_apply(*, drawing: Drawing, reviewed_by, decision: ReviewDecision) -> Drawing:
    version = decision.expected_version
    if decision.reject:
        return drawing_review_reject(drawing=drawing, reviewed_by=reviewed_by, expected_version=version)
    if decision.unreview:
        return drawing_review_undo(drawing=drawing, reviewed_by=reviewed_by, expected_version=version)
    return drawing_review_label(drawing=drawing, reviewed_by=reviewed_by, label=decision.label,
                                expected_version=version)


class ReviewPageMixin:
    """For DrawingAdmin: the review page (templates/admin/recognizer/drawing/review.html, driven
    by static/js/admin-review.js) and its endpoints."""

    def review_urls(self) -> list:
        return [
            path("review/", self.admin_site.admin_view(self.review_view), name="recognizer_drawing_review"),
            path("review/next/", self.admin_site.admin_view(self.review_next_view), name="recognizer_drawing_review_next"),
            path("review/<uuid:drawing_id>/", self.admin_site.admin_view(self.review_decide_view),
                 name="recognizer_drawing_review_decide"),
        ]

    def _check_review(self, request):
        if not self.has_review_permission(request):
            raise PermissionDenied

    def review_view(self, request):
        self._check_review(request)
        context = {**self.admin_site.each_context(request), "title": "Review drawings", "opts": self.model._meta,
                   "digits": range(10)}
        return TemplateResponse(request, "admin/recognizer/drawing/review.html", context)

    def review_next_view(self, request):
        self._check_review(request)
        try:
            skip = [uuid.UUID(value) for value in request.GET.get("skip", "").split(",") if value][:500]
        except ValueError:
            return JsonResponse({"error": "skip must be a comma-separated list of drawing ids"}, status=400)
        queue = _review_queue()
        drawing = queue.exclude(pk__in=skip).defer("image_png", "pixels").first()
        # remaining counts every unreviewed drawing, skipped ones too; skipped says how many of
        # those this reviewer set aside, so the page can say "none left but the 2 you skipped".
        return JsonResponse({"drawing": _review_json(drawing) if drawing else None, "remaining": queue.count(),
                             "skipped": queue.filter(pk__in=skip).count() if skip else 0})

    def review_decide_view(self, request, drawing_id):
        self._check_review(request)
        if request.method != "POST":
            return JsonResponse({"error": "use POST"}, status=405)
        drawing = get_object_or_404(Drawing, pk=drawing_id)
        try:
            body = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            return JsonResponse({"error": "the body must be JSON"}, status=400)
        if not isinstance(body, dict):
            return JsonResponse({"error": 'the body must be a JSON object, e.g. {"label": 3}'}, status=400)
        try:
            decision = review_decision_parse(body)
            drawing = review_decision_apply(drawing=drawing, reviewed_by=request.user, decision=decision)
        except ReviewConflict as exc:
            return JsonResponse({"error": str(exc)}, status=409)
        except ValueError as exc:
            return JsonResponse({"error": str(exc)}, status=422)
        return JsonResponse({"drawing": _review_json(drawing), "remaining": _review_queue().count()})


def _review_queue():
    """Every unreviewed drawing still in the queue (withdrawn ones never are), skipped ones too."""
    return drawing_list_for_review().filter(review_status=Drawing.Review.UNREVIEWED)


def _review_json(drawing: Drawing) -> dict:
    return {
        "id": str(drawing.id),
        "image_url": drawing.image_url,
        "input_url": drawing.input_url,
        "predicted_digit": drawing.predicted_digit,
        "confidence": drawing.confidence,
        # The user's "Not a digit" reads as such on the review page (its "rejected: not a digit").
        "user_label": "not a digit" if drawing.user_says_not_a_digit else drawing.user_label,
        "review_status": drawing.review_status,
        "label": drawing.label,
        "label_version": drawing.label_version,
    }
