"""Request log lines, the database-down answer, and JSON-only errors for the API."""

import json
import logging
import sys
import time

from django.db import DatabaseError, DataError
from django.http import HttpResponse, JsonResponse
from django.views import defaults

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


def bad_input(request) -> HttpResponse:
    """A DataError is the database refusing a value (a NUL byte in a filter, a number out of
    range): the request's fault, not an outage."""
    message = "the request contains a value the database cannot store or compare (such as a NUL character)"
    if request.path.startswith(JSON_PREFIXES):
        return JsonResponse({"error": message}, status=400)
    return HttpResponse(f"<!doctype html><title>Bad request</title><h1>Bad request</h1><p>{message}.</p>", status=400)


def database_error_response(request, exception: DatabaseError) -> HttpResponse:
    if isinstance(exception, DataError):
        logger.warning("bad input on %s %s: %s", request.method, request.path, exception)
        return bad_input(request)
    logger.error("database error on %s %s: %s", request.method, request.path, exception)
    return database_unavailable(request)


def server_error(request) -> HttpResponse:
    """handler500: what Django answers for an exception nothing else caught, including those
    raised in middleware (a session saved or a user loaded on a dead database connection): a
    database error is still a 503 (or a 400), and the JSON paths still answer JSON."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DatabaseError):
        return database_error_response(request, exception)
    if request.path.startswith(JSON_PREFIXES):
        return JsonResponse({"error": "internal server error"}, status=500)
    return defaults.server_error(request)


class RequestLogMiddleware:
    """One JSON line per request: method, path, status, latency, user, and the model version that
    answered (views set request.model_version); the latency also goes to the client as
    `Server-Timing: app;dur=<ms>`. A database outage becomes a 503, not a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        ms = (time.perf_counter() - started) * 1000
        timing = f"app;dur={ms:.2f}"  # the whole request in Django, after any the view set
        response["Server-Timing"] = f"{response['Server-Timing']}, {timing}" if response.has_header("Server-Timing") else timing
        if logger.isEnabledFor(logging.INFO):
            logger.info(json.dumps({
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round(ms, 2),
                "model_version": getattr(request, "model_version", None),
                "user": _user_id(request),
            }))
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DatabaseError):
            return database_error_response(request, exception)
        return None


def _user_id(request) -> int | None:
    """The signed-in user's id for the log line. request.user is loaded lazily from the session:
    if the view never looked, looking now queries the database, which may be the thing that
    just failed; the log line must not turn the answer into a 500."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None


class ApiJsonMiddleware:
    """The API speaks JSON only: writes must send it (else 415), and every error it answers is
    JSON with a message, including the 404s and 405s that come from URL routing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        if request.method in ("POST", "PUT", "PATCH") and request.content_type != "application/json":
            return JsonResponse({"error": "send JSON, with Content-Type: application/json"}, status=415)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            reason = "method not allowed" if response.status_code == 405 else response.reason_phrase.lower()
            replacement = JsonResponse({"error": reason}, status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


class MalformedCookiesMiddleware:
    """Drop session and CSRF cookies that cannot be genuine before anything looks them up: a
    forged value with, say, a NUL byte would otherwise reach the session query and make
    PostgreSQL fail the request. Genuine ones are ASCII letters and digits."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)

    def __call__(self, request):
        for name in self.names:
            value = request.COOKIES.get(name)
            if value is not None and not (value.isascii() and value.isalnum()):
                del request.COOKIES[name]
        return self.get_response(request)
