# OpenCIS: two commands for a newcomer — `make run` and `make test`.
SHELL := /bin/bash
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_ACCOUNTS ?= 200
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test bench venv system-deps services lint format clean worker beat

$(STAMP): pyproject.toml
	$(PYTHON_BOOT) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## make run: set everything up and serve the Account Control Panel on 127.0.0.1:8000.
## No DATABASE_URL: an embedded SQLite file and eager Celery tasks.
run: export DJANGO_DEBUG ?= 1
run: venv
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --accounts $(DEMO_ACCOUNTS)
	$(PY) manage.py demo_users
	$(PY) manage.py runserver 127.0.0.1:8000

## make test: system packages, services, lint, compose file, migrations check, pytest.
test: export DJANGO_SETTINGS_MODULE := cis.settings_test
test: venv system-deps services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	docker-compose -f docker-compose.yml config -q
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -q

## make bench: benchmarks (seed_demo 100,000 accounts, check_ledger, latencies).
bench: export DJANGO_SETTINGS_MODULE := cis.settings_test
bench: venv services
	$(VENV)/bin/pytest -q -m bench -s tests/bench

system-deps:
	bash scripts/install-system-deps.sh

services:
	bash scripts/ensure-services.sh

worker: venv
	$(VENV)/bin/celery -A cis worker --loglevel=info

beat: venv
	$(VENV)/bin/celery -A cis beat --loglevel=info

lint: venv
	$(VENV)/bin/ruff check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) var staticfiles tests/artifacts
