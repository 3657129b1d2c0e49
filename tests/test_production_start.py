"""The production start (scripts/serve.sh, behind `make serve`): with DEBUG=0 it refuses to start
without a SECRET_KEY, and otherwise migrates, collects the static files and runs gunicorn, the
training worker and the default worker with beat, so the pages come with their CSS and JavaScript."""

import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.s3 import free_ports

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def production_env(tmp_path: Path, port: int, **overrides) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "digitsite.settings", "SECRET_KEY": "serve-test-" + "k" * 50,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "HOST": "127.0.0.1", "PORT": str(port),
           "WEB_CONCURRENCY": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "STATIC_ROOT": str(tmp_path / "static"), "REDIS_URL": settings.REDIS_URL, **overrides}
    for name in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "MODEL_DIR", "MODEL_STORAGE"):
        env.pop(name, None)
    return env


def get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_serve_refuses_to_start_without_a_secret_key(tmp_path):
    env = production_env(tmp_path, free_ports(1)[0])
    env.pop("SECRET_KEY")
    result = subprocess.run(["scripts/serve.sh", "all"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # nothing started, nothing migrated


def test_serve_runs_every_role_and_serves_styled_pages_with_debug_off(tmp_path):
    port = free_ports(1)[0]
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    process = subprocess.Popen(["scripts/serve.sh", "all"], cwd=ROOT, env=production_env(tmp_path, port),
                               stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"serve.sh exited:\n{log.read_text()[-4000:]}"
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            assert time.monotonic() < deadline, f"not serving after 120 s:\n{log.read_text()[-4000:]}"
            time.sleep(0.5)

        status, _, body = get(f"{base}/")
        assert status == 200
        html = body.decode()
        assets = re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))"', html)
        assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets), assets
        for asset in assets:
            status, content_type, content = get(base + asset)
            assert status == 200 and content, asset
            assert ("css" if asset.endswith(".css") else "javascript") in content_type, (asset, content_type)
        assert get(f"{base}/api/docs")[0] == 200
        assert get(f"{base}/static/ninja/swagger-ui-bundle.js")[0] == 200

        deadline = time.monotonic() + 240  # the Celery workers (their "ready." lines) come up beside it
        while log.read_text().count("ready.") < 2:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.5)
        text = log.read_text()
        assert "training@" in text and "default@" in text and "beat: Starting..." in text
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
