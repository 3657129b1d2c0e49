# The two commands: `make run` (the site on http://127.0.0.1:8000) and `make test` (every test);
# `make serve` (and `make web`, `make worker`, `make beat`) for production.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: run test test-quick test-sqlite test-postgres setup system-deps migrate workers serve web worker beat

run: setup migrate
	scripts/run.sh $(HOST) $(PORT)

test: setup system-deps
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# The fast loop while changing code (under a minute on a quiet machine): SQLite, no browser, no
# model training, no real worker processes or network namespaces. `make test` runs all of it.
test-quick: setup
	$(PY) -m pytest -q -m "not slow and not e2e" tests/ml tests/recognizer

# Everything, on the default SQLite database: ml, Django, the slow training tests, the browser.
test-sqlite:
	$(PY) -m pytest -q

# The database-backed tests again, on PostgreSQL (required in CI, skipped with a note elsewhere),
# and the tests that need a database shared between processes (skipped in the SQLite pass): the
# training jobs on real Celery worker processes, the admin's launch -> promote -> serve in the
# browser, and the topology test (three machines as network namespaces; needs root, as CI has).
POSTGRES_TESTS := tests/recognizer tests/e2e/test_admin_training.py tests/topology
test-postgres:
	@if $(PY) scripts/wait_for.py postgres "$(TEST_DATABASE_URL)"; then \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest -q $(POSTGRES_TESTS); \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is required in CI"; exit 1; \
	else echo "PostgreSQL not reachable at $(TEST_DATABASE_URL): skipped its pass"; fi

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser),
# and the test pages' assets from the npm registry (jQuery for the original client, axe-core).
system-deps: node_modules/.package-lock.json
	@test -x /usr/bin/chromium || scripts/install-system-packages.sh chromium

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || scripts/install-system-packages.sh nodejs npm
	npm ci --no-audit --no-fund

migrate: setup
	$(PY) manage.py migrate --noinput

# Only the Celery workers (for a second terminal, or a worker machine): see docs/operations.md.
workers: setup
	$(VENV)/bin/celery -A digitsite worker -n default@%h -Q celery -c 1 -B -s var/celerybeat-schedule -l info & \
	$(VENV)/bin/celery -A digitsite worker -n training@%h -Q training -c 1 --max-tasks-per-child 1 -l info

# Production (docs/production.md): DEBUG=0 and SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL set.
# `make serve` runs every role on this machine; `make web`, `make worker` (training) and `make beat`
# (the default worker with beat: exactly one in a deployment) run one role each.
serve: setup
	HOST=$(HOST) PORT=$(PORT) scripts/serve.sh all

web: setup
	HOST=$(HOST) PORT=$(PORT) scripts/serve.sh web

worker: setup
	scripts/serve.sh worker

beat: setup
	scripts/serve.sh beat
