"""Digitsite settings: one file, every value from the environment, defaults that run with no setup.

The defaults are for development on one machine (SQLite under var/, DEBUG on). Production sets
at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; see the README's table.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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
    "recognizer",
]

MIDDLEWARE = [
    "recognizer.middleware.RequestLogMiddleware",
    "recognizer.middleware.ApiJsonMiddleware",
    "recognizer.middleware.MalformedCookiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
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
    # stored drawing's PNG and pixels are not hex-escaped by psycopg and parsed back by PostgreSQL.
    # Measured (in-process, one prediction request): web-worker CPU 2.50 -> 2.37 ms and PostgreSQL
    # CPU 0.59 -> 0.46 ms.
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
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Secure-by-default when DEBUG is off (HTTPS is terminated in front of the app).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Celery on Redis. Drawing and predicting never touch Redis; only training jobs need it.
REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:6379/0")
# Training jobs: a worker sends a heartbeat every TRAINING_HEARTBEAT_SECONDS; the reaper (beat,
# every TRAINING_REAPER_SECONDS) fails running jobs silent for TRAINING_STALE_SECONDS, so a lost
# worker's job is marked failed within STALE + REAPER seconds (90 s by default).
TRAINING_SOFT_TIME_LIMIT = envint("TRAINING_SOFT_TIME_LIMIT", "7200")
TRAINING_HEARTBEAT_SECONDS = envint("TRAINING_HEARTBEAT_SECONDS", "5")
TRAINING_STALE_SECONDS = envint("TRAINING_STALE_SECONDS", "60")
TRAINING_REAPER_SECONDS = envint("TRAINING_REAPER_SECONDS", "30")

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
}

# The recogniser.
_SHARED_MNIST = BASE_DIR.parent / "shared" / "data" / "mnist"
MNIST_DIR = Path(env("MNIST_DIR") or (_SHARED_MNIST if _SHARED_MNIST.exists() else BASE_DIR / "var" / "mnist"))
# Real writers' pen trajectories (UCI pendigits, ml/pendigits.py): training jobs render them as
# canvas drawings, train on them and score every model on writers it never saw.
_SHARED_PENDIGITS = BASE_DIR.parent / "shared" / "data" / "pendigits"
PENDIGITS_DIR = Path(env("PENDIGITS_DIR") or (_SHARED_PENDIGITS if _SHARED_PENDIGITS.exists() else BASE_DIR / "var" / "pendigits"))
# How many of those real digits a training job scores (0: all 7,494, about a minute to draw
# once, then cached in DATASET_CACHE_DIR).
REAL_WRITER_EVAL_SIZE = envint("REAL_WRITER_EVAL_SIZE", "0") or None
MODEL_DIR = Path(env("MODEL_DIR") or BASE_DIR / "models")
# The model trained and committed with the code; registered as the first active version.
SHIPPED_MODEL_DIR = BASE_DIR / "models" / "digitsite-v3"
# Every training job also scores its model on the canvas-style set: this many MNIST test digits
# redrawn as canvas PNGs (ml/canvas_style.py), built on first use and kept in DATASET_CACHE_DIR.
CANVAS_STYLE_EVAL_SIZE = envint("CANVAS_STYLE_EVAL_SIZE", "10000")
DATASET_CACHE_DIR = Path(env("DATASET_CACHE_DIR") or BASE_DIR / "var" / "cache")
# How often a web process looks up which model version is active (a promotion takes effect
# within this many seconds in every process; at once in the one that made it).
MODEL_ACTIVE_CHECK_SECONDS = envint("MODEL_ACTIVE_CHECK_SECONDS", "1")
MAX_IMAGE_BYTES = envint("MAX_IMAGE_BYTES", "1000000")
MAX_IMAGE_SIDE = envint("MAX_IMAGE_SIDE", "2000")
# Request bodies carry a base64 PNG (4/3 of its size) plus JSON or form framing.
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_IMAGE_BYTES * 4 // 3 + 64 * 1024
DRAWINGS_PER_PAGE = envint("DRAWINGS_PER_PAGE", "24")

# Rate limits per client IP and per signed-in user ("N/s", "N/m" or "N/h").
RATE_LIMITS = {
    "predict": env("RATE_LIMIT_PREDICT", "120/m"),  # stored predictions (one per finished drawing)
    "preview": env("RATE_LIMIT_PREVIEW", "600/m"),  # live guesses while drawing
    "guess": env("RATE_LIMIT_GUESS", "60/m"),  # the original client's /guess
    "signup": env("RATE_LIMIT_SIGNUP", "10/h"),
    "login": env("RATE_LIMIT_LOGIN", "20/m"),
}
TRUST_X_FORWARDED_FOR = envbool("TRUST_X_FORWARDED_FOR", "0")
# The cache holds rate-limit counters: per process by default, shared when CACHE_URL names a Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL")}
    if env("CACHE_URL") else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

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
