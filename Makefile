# The same commands as README.md and .ci/run.
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py

.PHONY: bootstrap run test test-services test-browser lint format bench bench-load bench-scale messages

bootstrap:
	@scripts/bootstrap.sh

run: bootstrap
	$(MANAGE) migrate --noinput
	$(MANAGE) compilemessages --ignore=.venv -v 0
	$(MANAGE) seed_demo --cases 30
	$(MANAGE) collectstatic --noinput -v 0
	@echo ""
	@echo "Tiaojie: http://127.0.0.1:8000/  (password for every demo user: demo-pass-2026)"
	@echo "  admin | clerk director mediator mediator2 (东村调委) | clerk_b mediator_b (西村调委)"
	@echo "  supervisor (青山县) | supervisor_city (青山市)"
	$(VENV)/bin/gunicorn config.wsgi --bind 127.0.0.1:8000 --workers 2 --access-logfile -

# The default suite on both cores (pytest-xdist; each worker its own test database);
# `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2
test: bootstrap
	$(MANAGE) compilemessages --ignore=.venv -v 0
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS)

# The suites that need PostgreSQL, Redis and a Celery worker (running, as on the dev machines;
# .ci/run starts them when they are down): the same defaults .ci/run uses, overridable.
PG_URL ?= postgres://postgres@127.0.0.1:5432/tiaojie
BROKER_URL ?= redis://127.0.0.1:6379/15
test-services:
	@scripts/bootstrap.sh --nginx
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} CELERY_BROKER_URL=$${CELERY_BROKER_URL:-$(BROKER_URL)} \
	  $(VENV)/bin/pytest -q -m services

test-browser:
	@scripts/bootstrap.sh --browser
	$(VENV)/bin/pytest -q -m browser

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

format: bootstrap
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: bootstrap
	DJANGO_SETTINGS_MODULE=config.settings $(PY) bench/bench_pdf_render.py --repeat 10
	$(PY) bench/bench_api.py
	$(PY) bench/bench_requests.py
	$(PY) bench/bench_stats.py
	$(PY) bench/bench_screening.py

# SPEC §16's load test: two nodes behind nginx, two workers, PostgreSQL, Redis (bench/bench_load.py).
bench-load:
	@scripts/bootstrap.sh --nginx
	$(PY) bench/bench_load.py

# SPEC §16: a province of 10,000,000 generated cases (bench/bench_scale.py; its own database).
bench-scale: bootstrap
	$(PY) bench/bench_scale.py

messages: bootstrap
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv
