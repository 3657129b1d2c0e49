"""HTTP status for each failure a prediction request can meet; shared by the API and /guess."""

import logging

from ml.preprocess import BlankCanvasError, ImageTooLargeError, PreprocessError
from recognizer.services.drawing_updates import DrawingNotFound, DrawingSettled
from recognizer.services.drawings import IdempotencyKeyReused
from recognizer.services.predictors import ModelUnavailable
from recognizer.strokes import StrokesInvalid, StrokesTooLarge

logger = logging.getLogger(__name__)


# In order: the first class the failure is an instance of gives its status (BlankCanvasError is a
# PreprocessError, and is 422, not 400).
ERROR_STATUSES = (
    ((ImageTooLargeError, StrokesTooLarge), 413),
    ((StrokesInvalid, BlankCanvasError), 422),
    ((DrawingNotFound,), 404),
    ((DrawingSettled, IdempotencyKeyReused), 409),
    ((PreprocessError,), 400),
    ((ModelUnavailable,), 503),
)


def error_status(exc: Exception) -> int:
    for classes, status in ERROR_STATUSES:
        if isinstance(exc, classes):
            return status
    raise TypeError(f"no HTTP status for {type(exc).__name__}")


def error_message(exc: Exception) -> str:
    if isinstance(exc, ModelUnavailable):
        # Which artifact failed and how (its path, its hash) is for the log, not the client.
        logger.error("predictions unavailable: %s", exc)
        return "predictions are unavailable right now; please try again in a moment"
    return str(exc)
