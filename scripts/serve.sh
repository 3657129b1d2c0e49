#!/usr/bin/env bash
# The production start (docs/production.md): `serve.sh ROLE`, ROLE one of
#   all     web + training worker + default worker with beat, on one machine (`make serve`)
#   web     checks, migrate, collectstatic, then gunicorn (`make web`)
#   worker  the training worker: queue "training", one job at a time, a fresh child per job (`make worker`)
#   beat    the default worker with beat: queue "celery", the reaper of lost jobs; run exactly one (`make beat`)
# HOST/PORT (default 127.0.0.1:8000) and WEB_CONCURRENCY (default 2) are read by digitsite/gunicorn.conf.py.
# DEBUG defaults to 0 here: this is not the development server (that is `make run`).
set -euo pipefail
cd "$(dirname "$0")/.."
role=${1:-all}
export DEBUG=${DEBUG:-0}
bin=.venv/bin

check_settings() {
  if [ "$DEBUG" != "0" ]; then
    echo "serve.sh: DEBUG=$DEBUG; production runs with DEBUG=0 (use 'make run' for development)" >&2; exit 2
  fi
  if [ -z "${SECRET_KEY:-}" ]; then
    echo "serve.sh: SECRET_KEY is not set. Generate one once and keep it (the same on every web machine):" >&2
    echo "  $bin/python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())'" >&2
    exit 2
  fi
  $bin/python manage.py check --deploy --fail-level ERROR
}

web_prepare() {
  if [ -z "${ALLOWED_HOSTS:-}" ]; then
    echo "serve.sh: ALLOWED_HOSTS is not set: every request would be refused (400). Set the site's host name(s)." >&2
    exit 2
  fi
  $bin/python manage.py migrate --noinput
  # Without this, DEBUG=0 pages come without their CSS and JavaScript: whitenoise serves STATIC_ROOT.
  $bin/python manage.py collectstatic --noinput -v0
}

training_worker() { exec $bin/celery -A digitsite worker -n "training@%h" -Q training -c 1 --max-tasks-per-child 1 -l info; }
default_worker_with_beat() {
  mkdir -p var
  exec $bin/celery -A digitsite worker -n "default@%h" -Q celery -c 1 -B -s var/celerybeat-schedule -l info
}
web() { exec $bin/gunicorn -c digitsite/gunicorn.conf.py digitsite.wsgi; }

case "$role" in
  web) check_settings; web_prepare; web ;;
  worker) check_settings; training_worker ;;
  beat) check_settings; default_worker_with_beat ;;
  all)
    check_settings
    web_prepare
    pids=()
    stop() { trap - EXIT INT TERM; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
    trap stop EXIT INT TERM
    (training_worker) & pids+=($!)
    (default_worker_with_beat) & pids+=($!)
    (web) & pids+=($!)
    echo "Digitsite: http://${HOST:-127.0.0.1}:${PORT:-8000}/ (gunicorn, ${WEB_CONCURRENCY:-2} workers), training worker, default worker + beat"
    # One role stopping stops the others: a supervisor (systemd, the Procfile's runner) restarts the lot.
    wait -n "${pids[@]}" || true
    echo "serve.sh: a process exited; stopping the others" >&2
    exit 1
    ;;
  *) echo "usage: serve.sh all|web|worker|beat" >&2; exit 2 ;;
esac
