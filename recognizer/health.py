"""Health checks for /healthz: each returns {"ok": bool, ...details}."""

from django.conf import settings
from django.db import DatabaseError, connection

from ml.artifact import ArtifactError
from recognizer.selectors import model_version_get_active
from recognizer.services.artifacts import artifact_local_dir
from recognizer.services.predictors import ModelUnavailable, predictor_get_serving


def health_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except DatabaseError as exc:
        return {"ok": False, "error": str(exc).strip()[:300]}


def health_redis() -> dict:
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return {"ok": True}
    except redis.RedisError as exc:
        return {"ok": False, "error": f"{exc}; predictions work, training jobs cannot be queued"}


def health_model() -> dict:
    try:
        active = model_version_get_active()
        version, _ = predictor_get_serving()
    except (ModelUnavailable, DatabaseError) as exc:
        return {"ok": False, "error": str(exc)[:300]}
    result = {"ok": True, "serving": version.name, "active": active.name if active else None}
    if active is not None and active.pk != version.pk:
        try:
            artifact_local_dir(artifact_path=active.artifact_path, sha256=active.sha256)
            result["warning"] = f"active version {active.name} not loaded yet"
        except ArtifactError as exc:
            result["warning"] = f"active version {active.name} refused ({exc}); still serving {version.name}"
    return result
