"""scripts/wait_for.py and the broker check it shares with the training service and /healthz
(recognizer/broker.py): plain Python, usable before Django is set up."""

import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings

from recognizer.broker import redis_ping

REPO = Path(__file__).resolve().parent.parent


def wait_for(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "wait_for.py"), *args], capture_output=True,
                          text=True, timeout=60)


def test_redis_that_answers_exits_0_and_one_that_does_not_exits_1():
    assert wait_for("redis", settings.REDIS_URL).returncode == 0
    refused = wait_for("redis", "redis://127.0.0.1:1/0")  # nothing listens on port 1
    assert refused.returncode == 1 and "redis not reachable" in refused.stderr


def test_the_shared_check_imports_no_django():
    code = "import sys, recognizer.broker; assert not any(m.startswith('django') for m in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO, timeout=60).returncode == 0


def test_the_shared_check_raises_a_redis_error_for_nothing_there():
    redis_ping(settings.REDIS_URL, timeout=1)
    with pytest.raises(redis.RedisError):
        redis_ping("redis://127.0.0.1:1/0", timeout=1)
