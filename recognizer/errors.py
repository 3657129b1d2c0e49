"""HTTP status for each failure a prediction request can meet; shared by the API and /guess."""

import logging

from ml.preprocess import BlankCanvasError, ImageTooLargeError, PreprocessError
from recognizer.services.drawing_updates import DrawingNotFound, DrawingSettled
from recognizer.services.drawings import IdempotencyKeyReused
from recognizer.services.predictors import ModelUnavailable
from recognizer.strokes import StrokesInvalid, StrokesTooLarge

logger = logging.getLogger(__name__)


def error_status(exc: Exception) -> int:
    if isinstance(exc, (ImageTooLargeError, StrokesTooLarge)):
        return 413
    if isinstance(exc, StrokesInvalid):
        return 422
    if isinstance(exc, DrawingNotFound):
        return 404
    if isinstance(exc, DrawingSettled):
        return 409
    if isinstance(exc, BlankCanvasError):
        return 422
    if isinstance(exc, PreprocessError):
        return 400
    if isinstance(exc, IdempotencyKeyReused):
        return 409
    if isinstance(exc, ModelUnavailable):
        return 503
    raise TypeError(f"no HTTP status for {type(exc).__name__}")


def error_message(exc: Exception) -> str:
    if isinstance(exc, ModelUnavailable):
        # Which artifact failed and how (its path, its hash) is for the log, not the client.
        logger.error("predictions unavailable: %s", exc)
        return "predictions are unavailable right now; please try again in a moment"
    return str(exc)
