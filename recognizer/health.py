"""Health checks for /healthz: each returns {"ok": bool, ...}.

What a failure was (addresses, paths, hashes, driver messages) goes to the log and, under
"detail", to staff only: the public answer says what is affected, not where it lives."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from recognizer.broker import redis_ping
from recognizer.ratelimit import cache_health
from recognizer.selectors import model_version_get_active
from recognizer.services.predictors import ModelUnavailable, predictor_get_serving, predictor_refusal

logger = logging.getLogger(__name__)


def _failed(check: str, message: str, exc: Exception) -> dict:
    detail = str(exc).strip()[:300]
    logger.warning("health check %s failed: %s", check, detail)
    return {"ok": False, "error": message, "detail": detail}


def health_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except DatabaseError as exc:
        return _failed("database", "the database is unreachable", exc)


def health_redis() -> dict:
    try:
        redis_ping(settings.REDIS_URL, timeout=1)
        return {"ok": True}
    except redis.RedisError as exc:
        return _failed("redis", "the broker is unreachable; predictions work, training jobs cannot be queued", exc)


def health_model() -> dict:
    try:
        active = model_version_get_active()
        version, _ = predictor_get_serving()
    except (ModelUnavailable, DatabaseError) as exc:
        return _failed("model", "no model can answer", exc)
    result = {"ok": True, "serving": version.name, "active": active.name if active else None}
    if active is not None and active.pk != version.pk:
        # What this process's own load said (it was just tried, at most every
        # REFUSED_RETRY_SECONDS): the health check fetches nothing itself.
        why = predictor_refusal(active)
        if why is None:
            result["warning"] = f"active version {active.name} not loaded yet"
        else:
            result["warning"] = f"active version {active.name} refused; still serving {version.name}"
            result["detail"] = why[:300]
            logger.warning("health check model: %s", why)
    return result


def health_rate_limits() -> dict:
    return cache_health()


def health_all(*, for_staff: bool, database: dict | None = None) -> dict:
    checks = {"database": database or health_database(), "redis": health_redis(), "model": health_model(),
              "rate_limits": health_rate_limits()}
    if not for_staff:
        for check in checks.values():
            check.pop("detail", None)
    return checks
