"""Settings for the test suite: the project's settings, with test-only isolation on top.

Tests use Redis database 15, so a developer's running worker (database 0) never picks up a test
job, and cheap password hashing."""

import os

from digitsite.settings import *  # noqa: F401,F403

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CELERY_BROKER_URL = REDIS_URL
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Generous limits so the suite's many requests from 127.0.0.1 are not throttled; the rate-limit
# tests set their own.
RATE_LIMITS = {scope: "100000/m" for scope in RATE_LIMITS}  # noqa: F405
# Quick test jobs score a few hundred canvas-style digits (built in seconds), not all 10,000.
CANVAS_STYLE_EVAL_SIZE = 300
# ... and the first 300 real writers' digits (ml/real_writers.py), not all 7,494.
REAL_WRITER_EVAL_SIZE = 300
