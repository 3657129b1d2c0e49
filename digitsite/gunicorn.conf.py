"""Gunicorn's settings for `make serve` / `make web`: `gunicorn -c digitsite/gunicorn.conf.py digitsite.wsgi`.

A minimal version (bind and workers only); the slow-client worker class is configured elsewhere."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
