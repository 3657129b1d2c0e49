"""Digitsite settings: one file, every value from the environment, defaults that run with no setup.

The defaults are for development on one machine (SQLite under var/, DEBUG on). Production sets
at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; see docs/configuration.md.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ml.data_dirs import mnist_dir, pendigits_dir

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "1")
SECRET_KEY = env("SECRET_KEY") or ("dev-only-insecure-key" if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    # For its templates and static files: /api/docs serves Swagger UI from this site, not a CDN (the CSP allows 'self' only).
    "ninja",
    "recognizer",
]

MIDDLEWARE = [
    "recognizer.middleware.RequestLogMiddleware",
    "recognizer.middleware.ApiJsonMiddleware",
    "recognizer.middleware.MalformedCookiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "digitsite.urls"
WSGI_APPLICATION = "digitsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", "60"),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the writer work at once; synchronous=NORMAL syncs the WAL at checkpoints
    # instead of on every commit (still durable across application crashes). IMMEDIATE takes the
    # write lock up front, so concurrent writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the SQL (bytes in binary) instead of being quoted into it: a
    # stored drawing's PNG and pixels are not hex-escaped by psycopg and parsed back by PostgreSQL
    # (what it saves per prediction: docs/benchmarks.md).
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "canvas"
LOGOUT_REDIRECT_URL = "canvas"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "var" / "static")  # collectstatic fills it; whitenoise serves it
STATICFILES_DIRS = [BASE_DIR / "static"]

# Secure-by-default when DEBUG is off (HTTPS is terminated in front of the app).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (django-csp; Django 5.2 has none of its own): scripts, styles, fonts and
# requests from this origin only. The one inline script (the canvas page's config) carries the
# per-request nonce; style *attributes* stay allowed (the admin's progress bars, thumbnails and
# heatmap cells are sized and coloured by them), <style> elements do not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": [SELF, "data:"],  # the 28x28 image the model saw comes back as a data URL
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy (django-permissions-policy): the site uses none of these browser features.
PERMISSIONS_POLICY = {feature: [] for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "magnetometer",
    "microphone", "midi", "payment", "usb", "browsing-topics",
)}

# Celery on Redis. Drawing and predicting never touch Redis; only training jobs need it.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# Training jobs: a worker sends a heartbeat every TRAINING_HEARTBEAT_SECONDS; the reaper (beat,
# every TRAINING_REAPER_SECONDS) fails running jobs silent for TRAINING_STALE_SECONDS, so a lost
# worker's job is marked failed within STALE + REAPER seconds (90 s by default).
TRAINING_SOFT_TIME_LIMIT = envint("TRAINING_SOFT_TIME_LIMIT", "7200")
TRAINING_HEARTBEAT_SECONDS = envint("TRAINING_HEARTBEAT_SECONDS", "5")
TRAINING_STALE_SECONDS = envint("TRAINING_STALE_SECONDS", "60")
TRAINING_REAPER_SECONDS = envint("TRAINING_REAPER_SECONDS", "30")
# The learning loop: every RETRAIN_CHECK_SECONDS beat checks whether RETRAIN_AFTER_REVIEWS
# reviewed drawings (0: never) are newer than what the serving version (or the last automatic
# job) was trained on, and queues one fine-tune job; with RETRAIN_AUTO_PROMOTE a candidate the
# gate blesses serves at once (audited as automatic), otherwise it waits in the admin.
RETRAIN_AFTER_REVIEWS = envint("RETRAIN_AFTER_REVIEWS", "200")
RETRAIN_AUTO_PROMOTE = envbool("RETRAIN_AUTO_PROMOTE", "0")
RETRAIN_CHECK_SECONDS = envint("RETRAIN_CHECK_SECONDS", "30")
# The triggered job's recipe: ml.config.FINE_TUNE with these two (MNIST images replayed, epochs).
RETRAIN_REPLAY_SIZE = envint("RETRAIN_REPLAY_SIZE", "15000")
RETRAIN_EPOCHS = envint("RETRAIN_EPOCHS", "2")

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None  # job state lives in the database, not in Celery results
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a training worker takes one job at a time
# Unacknowledged (acks_late) messages come back after this; it must outlast the longest job.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": TRAINING_SOFT_TIME_LIMIT + 3600}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {"recognizer.training_job_run": {"queue": "training"}}  # its own workers, one job each
CELERY_BEAT_SCHEDULE = {
    "fail-stale-training-jobs": {"task": "recognizer.training_jobs_fail_stale", "schedule": TRAINING_REAPER_SECONDS},
    "retrain-after-reviews": {"task": "recognizer.training_job_trigger", "schedule": RETRAIN_CHECK_SECONDS},
}

# The recogniser.
# The data sets' folders: MNIST_DIR and PENDIGITS_DIR, else ../shared/data/<name> when it exists,
# else var/<name> (ml/data_dirs.py, which the ml command line, the benches and the tests use too).
MNIST_DIR = mnist_dir()
# Real writers' pen trajectories (UCI pendigits, ml/pen_trajectories.py): training jobs render them as
# canvas drawings, train on them and score every model on writers it never saw.
PENDIGITS_DIR = pendigits_dir()
# How many of those real digits a training job scores (0: all 7,494, about a minute to draw
# once, then cached in DATASET_CACHE_DIR).
REAL_WRITER_EVAL_SIZE = envint("REAL_WRITER_EVAL_SIZE", "0") or None
MODEL_DIR = Path(env("MODEL_DIR") or BASE_DIR / "models")
# The model trained and committed with the code; registered as the first active version.
SHIPPED_MODEL_DIR = BASE_DIR / "models" / "digitsite-v5"
# Where artifacts are kept (recognizer/services/artifacts.py). "filesystem": the folder MODEL_DIR,
# for one machine (nothing to set up). "s3": an S3-compatible bucket shared by every machine, named
# with django-storages' own settings as environment variables; a worker uploads what it trained
# (MODEL_DIR is then its local scratch folder) and each web process fetches the serving file, by
# sha256, into MODEL_CACHE_DIR. Models shipped with the code are read from the checkout.
MODEL_STORAGE = env("MODEL_STORAGE", "filesystem")
MODEL_CACHE_DIR = Path(env("MODEL_CACHE_DIR") or BASE_DIR / "var" / "model-cache")
if MODEL_STORAGE == "filesystem":
    _MODELS_STORAGE = {"BACKEND": "recognizer.storage.ModelDirStorage"}
elif MODEL_STORAGE == "s3":
    if not env("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("MODEL_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    _MODELS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME"),
            # Unset keys leave boto3 its own lookup (instance roles, ~/.aws/credentials).
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            # S3-compatible servers are addressed by path (bucket names are not DNS names there).
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", "path" if env("AWS_S3_ENDPOINT_URL") else "auto"),
            "file_overwrite": False,  # artifacts are immutable
            "default_acl": None,  # private, as the bucket is
            "querystring_auth": False,  # nothing links to artifacts
        },
    }
else:
    raise ImproperlyConfigured(f"MODEL_STORAGE must be filesystem or s3, not {MODEL_STORAGE!r}")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "models": _MODELS_STORAGE,
}
# Every training job also scores its model on the canvas-style set: this many MNIST test digits
# redrawn as canvas PNGs (ml/canvas_style.py), built on first use and kept in DATASET_CACHE_DIR.
CANVAS_STYLE_EVAL_SIZE = envint("CANVAS_STYLE_EVAL_SIZE", "10000")
DATASET_CACHE_DIR = Path(env("DATASET_CACHE_DIR") or BASE_DIR / "var" / "cache")
# How often a web process looks up which model version is active (a promotion takes effect
# within this many seconds in every process; at once in the one that made it).
MODEL_ACTIVE_CHECK_SECONDS = envint("MODEL_ACTIVE_CHECK_SECONDS", "1")
MAX_IMAGE_BYTES = envint("MAX_IMAGE_BYTES", "1000000")
MAX_IMAGE_SIDE = envint("MAX_IMAGE_SIDE", "2000")
# A drawing's strokes (recognizer/strokes.py): at most this many, of this many points in all.
DRAWING_MAX_STROKES = envint("DRAWING_MAX_STROKES", "64")
DRAWING_MAX_POINTS = envint("DRAWING_MAX_POINTS", "4000")
# The page updates its drawing at each pen-up and Undo for this long after the first; later
# (and once reviewed) the drawing is settled and an update is refused (409).
DRAWING_EDIT_WINDOW_SECONDS = envint("DRAWING_EDIT_WINDOW_SECONDS", "300")
# Request bodies carry a base64 PNG (4/3 of its size) plus JSON or form framing, and the strokes
# (about 40 bytes of JSON a point, at most DRAWING_MAX_POINTS).
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_IMAGE_BYTES * 4 // 3 + 64 * 1024 + DRAWING_MAX_POINTS * 64
DRAWINGS_PER_PAGE = envint("DRAWINGS_PER_PAGE", "24")

# Rate limits per client IP and per signed-in user ("N/s", "N/m" or "N/h"), counted by
# django-ratelimit (its app is not installed: its system check refuses the per-process cache).
RATE_LIMITS = {
    "predict": env("RATE_LIMIT_PREDICT", "120/m"),  # stored predictions (one per finished drawing)
    "preview": env("RATE_LIMIT_PREVIEW", "600/m"),  # live guesses while drawing
    "guess": env("RATE_LIMIT_GUESS", "60/m"),  # the original client's /guess
    "signup": env("RATE_LIMIT_SIGNUP", "10/h"),
    "login": env("RATE_LIMIT_LOGIN", "20/m"),  # every login form: per IP and per username
    "password_reset": env("RATE_LIMIT_PASSWORD_RESET", "5/h"),  # per IP and per email address
}
# Log-in attempts are limited in the backend, so the admin's login shares the site's limit.
AUTHENTICATION_BACKENDS = ["recognizer.auth.RateLimitedModelBackend"]
# How many reverse proxies in front of the app append to X-Forwarded-For: the client is the entry
# that many from the right (entries further left are whatever the client sent). 0: REMOTE_ADDR.
# TRUST_X_FORWARDED_FOR=1, the older setting, means one proxy.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", "1" if envbool("TRUST_X_FORWARDED_FOR", "0") else "0")
# The cache holds rate-limit counters: per process by default, shared when CACHE_URL names a Redis.
# Short timeouts: if that Redis is down the limits fail open (recognizer/ratelimit.py) at once
# instead of holding every request.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL"),
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    if env("CACHE_URL") else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Email (password reset): printed to the console unless EMAIL_HOST names an SMTP server.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = envint("EMAIL_PORT", "587")
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "1")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "webmaster@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# A local, uncommitted override for one machine, read last.
if (BASE_DIR / "digitsite" / "local_settings.py").exists():
    from digitsite.local_settings import *  # noqa: F401,F403
