# The portal's two commands: `make run` and `make test`. Everything else is their parts.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test lint setup deps frontend fonts messages services db browser bench lock clean

## run: install, migrate, load the demo data, start web + Celery worker + beat
run: setup db
	$(PY) manage.py seed_demo
	PORT=$(PORT) bin/run

## test: install the same, then lint and the whole suite on PostgreSQL
test: setup browser
	bin/test

lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy .

setup: deps frontend fonts .env messages services

deps: $(VENV)/.deps
$(VENV)/.deps: requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

frontend: node_modules/.deps
node_modules/.deps: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

.env:
	echo "SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env

messages: deps
	$(PY) manage.py compilemessages -v0 --ignore=.venv --ignore=node_modules

services:
	bin/services

db: deps services
	$(PY) manage.py ensure_database
	$(PY) manage.py migrate --no-input -v0

# PDFs embed a CJK TrueType font (hubportal/pdf.py); pdffonts (poppler-utils) checks it in the tests.
FONT_FILE := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
fonts:
	@test -f $(FONT_FILE) && command -v pdffonts >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei poppler-utils)

# Debian's chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

## bench: figures for the README (needs `manage.py seed_scale` data, see bench/README.md)
bench: setup db
	$(PY) bench/run.py

## lock: re-pin the whole dependency tree after editing pyproject.toml
lock:
	rm -rf /tmp/hubportal-lock && $(PYTHON) -m venv /tmp/hubportal-lock
	/tmp/hubportal-lock/bin/pip install -q "$$(pwd)[dev]"
	/tmp/hubportal-lock/bin/pip freeze --exclude hubportal > requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .mypy_cache .ruff_cache
