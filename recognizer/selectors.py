"""Reads. Visibility rules live here: a visitor sees only their own drawings."""

from django.db.models import Prefetch, Q, QuerySet

from recognizer.models import Drawing, ModelVersion, Prediction


def model_version_get_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


def _visible_to(user, session_key: str | None) -> Q | None:
    if user is not None and user.is_authenticated:
        return Q(owner=user)
    if session_key:
        return Q(owner__isnull=True, session_key=session_key)
    return None


def drawing_list_for_visitor(*, user, session_key: str | None) -> QuerySet[Drawing]:
    """The visitor's own drawings, newest first, with their predictions prefetched."""
    condition = _visible_to(user, session_key)
    if condition is None:
        return Drawing.objects.none()
    return (
        Drawing.objects.filter(condition)
        .defer("image_png", "pixels")
        .prefetch_related(Prefetch("predictions", queryset=Prediction.objects.select_related("model_version")))
    )


def drawing_get_for_visitor(*, drawing_id, user, session_key: str | None) -> Drawing:
    """The drawing if the visitor may see it; Drawing.DoesNotExist otherwise (so ids don't leak)."""
    condition = _visible_to(user, session_key)
    if condition is None:
        raise Drawing.DoesNotExist
    return drawing_list_for_visitor(user=user, session_key=session_key).defer(None).get(condition, pk=drawing_id)


def drawing_stats_for_visitor(*, user, session_key: str | None) -> dict:
    """How often the model was right on the visitor's drawings, as far as they told us.

    A drawing the visitor did not correct counts as right; one they labelled counts as right
    when the label equals the latest prediction.
    """
    drawings = drawing_list_for_visitor(user=user, session_key=session_key)
    total = drawings.count()
    wrong = 0
    if total:
        wrong = sum(
            1
            for drawing in drawings.filter(user_label__isnull=False)
            if drawing.prediction is not None and drawing.prediction.digit != drawing.user_label
        )
    return {"total": total, "wrong": wrong, "right": total - wrong, "accuracy": (total - wrong) / total if total else None}
