"""A short run of bench/load.py: 16 clients against gunicorn + PostgreSQL, good and bad requests
mixed, retries with the same idempotency key. (The full 60 s run is in docs/benchmarks.md.)"""

import pytest
from django.db import connection

from tests.helpers import free_port
from tests.workers import needs_postgresql

pytestmark = [pytest.mark.slow, needs_postgresql]


def test_load_loses_nothing_doubles_nothing_and_never_answers_5xx(transactional_db, settings):
    import sys

    from recognizer.models import ModelVersion
    from recognizer.services.model_versions import model_version_register

    if not ModelVersion.objects.filter(is_active=True).exists():  # an earlier transactional test flushed it
        model_version_register(artifact_dir=settings.SHIPPED_MODEL_DIR, activate=True)
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "bench"))
    import load

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = load.run(url, duration=12, concurrency=16, workers=2, port=free_port(), migrate=False)
    print(result)
    assert result["server_errors"] == 0
    assert result["rows_written"] == result["stored_answers"] > 50
    assert result["by_kind_and_status"].get("retry 200", 0) > 0  # retries answered, not stored again


def test_load_with_the_cache_killed_and_database_connections_killed_answers_only_503_json(transactional_db, settings):
    """bench/load_faults.py, briefly: every 5xx a 503 with JSON, never a 500; rows = stored answers."""
    import sys
    from pathlib import Path

    from recognizer.models import ModelVersion
    from recognizer.services.model_versions import model_version_register

    if not ModelVersion.objects.filter(is_active=True).exists():  # an earlier transactional test flushed it
        model_version_register(artifact_dir=settings.SHIPPED_MODEL_DIR, activate=True)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
    from bench import load_faults

    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    result = load_faults.run(url, duration=12, concurrency=8, workers=2, port=free_port(), spare_pids=[own_pid])
    print(result)
    assert "database connections killed: 0" not in result["faults"] and result["answers_503"] > 0
    assert result["wrong_errors"] == 0, result["by_kind_and_status"]
    assert result["rows_written"] == result["stored_answers"] > 20
