#!/usr/bin/env bash
# Starts the Celery workers (when Redis answers) and the web server; Ctrl-C stops them all.
#   training worker: queue "training", one job at a time, a fresh child process per job
#   default worker + beat: queue "celery", runs the periodic reaper of lost training jobs and the retraining trigger
set -uo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}
port=${2:-8000}
pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap stop EXIT INT TERM
if .venv/bin/python scripts/wait_for.py redis; then
  mkdir -p var
  .venv/bin/celery -A digitsite worker -n training@%h -Q training -c 1 --max-tasks-per-child 1 -l info &
  pids+=($!)
  .venv/bin/celery -A digitsite worker -n default@%h -Q celery -c 1 -B -s var/celerybeat-schedule -l info &
  pids+=($!)
  echo "Celery workers started: training (queue 'training') and default + beat (queue 'celery')."
else
  echo "Redis is not answering: the site works (drawing and predicting need no Redis),"
  echo "but training jobs need Redis. Start it, then run 'make workers' in another terminal."
fi
echo "Digitsite: http://$host:$port/  (admin: http://$host:$port/admin/)"
.venv/bin/python manage.py runserver "$host:$port"
