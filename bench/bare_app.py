"""The ceiling for bench/predict_http.py --bare: POST /api/predictions without Django's request
stack (bench only, never deployed).

It makes the same service call as the site (decode, preprocess, LiteRT, the one-statement write
of drawing + prediction) and answers the same body, but skips everything around it: gunicorn hands
the request straight to this function, with no middleware, sessions, CSRF check, rate limit,
request log, URL routing or ninja validation. The site must keep all of those, so this is not a
faster way to serve; it measures how much of an answer's cost is the framework, which bounds what
any leaner Django path could gain. Everything else (/healthz) goes to the site itself.
"""

import json
import os
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsite.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.core.serializers.json import DjangoJSONEncoder  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from ml.preprocess import PreprocessError  # noqa: E402
from recognizer.api import drawing_out  # noqa: E402
from recognizer.services.drawings import drawing_create_with_prediction  # noqa: E402

site = get_wsgi_application()
nobody = AnonymousUser()


def application(environ, start_response):
    if environ["PATH_INFO"] != "/api/predictions" or environ["REQUEST_METHOD"] != "POST":
        return site(environ, start_response)
    try:
        payload = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        key = uuid.UUID(payload["idempotency_key"]) if payload.get("idempotency_key") else None
        started = time.perf_counter()
        drawing, created = drawing_create_with_prediction(image=payload["image"], owner=nobody, idempotency_key=key)
    except (ValueError, KeyError, TypeError, PreprocessError) as exc:
        return _answer(start_response, "400 Bad Request", {"error": str(exc)})
    # The same span as the site's Server-Timing "predict": the service call.
    timing = f"predict;dur={(time.perf_counter() - started) * 1000:.2f}"
    return _answer(start_response, "201 Created" if created else "200 OK", drawing_out(drawing, with_input=True),
                   ("Server-Timing", timing))


def _answer(start_response, status: str, body: dict, *headers):
    content = json.dumps(body, cls=DjangoJSONEncoder).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(content))), *headers])
    return [content]
