"""The naive baseline for bench/predict_http.py: the original Flask app's way of serving, as a
tiny WSGI app (bench only, never deployed).

    POST /api/predictions {"image": "data:image/png;base64,..."} -> {"digit": d, "probabilities": [...]}
    GET /healthz -> {"ok": true, "pid": ...}

It decodes and preprocesses with the same ml.preprocess.canvas_to_array, holds the Keras model
(models/digitsite-v3/model.keras) loaded once per process, and calls model.predict() on every
request; it stores nothing. TensorFlow is imported and the model loaded when gunicorn imports
this module in each worker, after the fork (never with --preload: a process that ran TF ops
before forking hangs its children).
"""

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from ml.preprocess import PreprocessError, canvas_to_array  # noqa: E402

MODEL = keras.saving.load_model(Path(__file__).resolve().parent.parent / "models" / "digitsite-v3" / "model.keras")


def application(environ, start_response):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    if path == "/healthz":
        return _answer(start_response, "200 OK", {"ok": True, "pid": os.getpid()})
    if path != "/api/predictions" or method != "POST":
        return _answer(start_response, "404 Not Found", {"error": "not found"})
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    try:
        image = canvas_to_array(json.loads(body)["image"])
    except (ValueError, KeyError, TypeError, PreprocessError) as exc:
        return _answer(start_response, "400 Bad Request", {"error": str(exc)})
    probabilities = MODEL.predict(image.reshape(1, 28, 28, 1), verbose=0)[0]
    return _answer(start_response, "200 OK", {"digit": int(probabilities.argmax()),
                                              "probabilities": [float(p) for p in probabilities]})


def _answer(start_response, status: str, body: dict):
    content = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(content))),
                            ("X-Worker", str(os.getpid()))])
    return [content]
