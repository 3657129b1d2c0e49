"""Request log lines and the database-down answer, for every request."""

import json
import logging
import time

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("digitsite.requests")

JSON_PREFIXES = ("/api/", "/guess", "/healthz")


def database_unavailable(request) -> HttpResponse:
    message = "the database is unavailable; please try again in a moment"
    if request.path.startswith(JSON_PREFIXES):
        response = JsonResponse({"error": message}, status=503)
    else:
        response = HttpResponse(f"<!doctype html><title>Unavailable</title><h1>Digitsite is unavailable</h1><p>{message}.</p>",
                                status=503)
    response["Retry-After"] = "30"
    return response


class RequestLogMiddleware:
    """One JSON line per request: method, path, status, latency, user, and the model version that
    answered (views set request.model_version). A database outage becomes a 503, not a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logger.info(json.dumps({
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "model_version": getattr(request, "model_version", None),
            "user": user.pk if user is not None and user.is_authenticated else None,
        }))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError):
            logger.error("database error on %s %s: %s", request.method, request.path, exception)
            return database_unavailable(request)
        return None
