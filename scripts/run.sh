#!/usr/bin/env bash
# Starts the Celery worker (when Redis answers) and the web server; Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}
port=${2:-8000}
worker_pid=""
if .venv/bin/python scripts/wait_for.py redis; then
  .venv/bin/celery -A digitsite worker -l info -Q celery,training -c 1 --max-tasks-per-child 1 &
  worker_pid=$!
  trap 'kill $worker_pid 2>/dev/null; wait $worker_pid 2>/dev/null' EXIT INT TERM
  echo "Celery worker started (pid $worker_pid)."
else
  echo "Redis is not answering: the site works (drawing and predicting need no Redis),"
  echo "but training jobs need Redis. Start it, then run 'make worker' in another terminal."
fi
echo "Digitsite: http://$host:$port/  (admin: http://$host:$port/admin/)"
.venv/bin/python manage.py runserver "$host:$port"
