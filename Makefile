# The two commands: `make run` serves the demo, `make test` runs every test.
# Both bootstrap what they need on a fresh Debian machine and are safe to repeat.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup db browser office lint help bench wrk

help:
	@echo "make run   - set up and serve the demo on http://127.0.0.1:$(PORT)"
	@echo "make test  - set up and run the whole test suite"
	@echo "make lint  - ruff and the layer contract (lint-imports)"
	@echo "make bench - build a programme-scale database and load every page (BENCH_ARGS=--help)"

$(BIN)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(BIN)/.installed

db: setup
	@$(FLASK) db upgrade
	@$(FLASK) seed-demo

run: db
	@echo ""
	@echo "Partnership manager: http://127.0.0.1:$(PORT)/login"
	@echo "Demo accounts (password: partnership-demo):"
	@echo "  admin@demo.example  coordinator@demo.example  trainer@demo.example"
	@echo "  officer@demo.example (Kisauni Police Station)  viewer@demo.example"
	@echo "Background jobs (Excel reports) run in a queue consumer started alongside."
	@echo ""
	@PYTHONPATH=. $(BIN)/huey_consumer partnership.worker.huey --workers 1 --worker-type thread --quiet & \
	  consumer=$$!; trap 'kill $$consumer 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

# Debian's Chromium for the browser tests; installed when missing and we are root.
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the browser tests (apt)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "!!! Chromium is missing and cannot be installed here: browser tests will be skipped. !!!"; \
	  fi; \
	fi

# LibreOffice (headless Calc) and pdftotext print the programme workbook to PDF in the tests;
# installed when missing and we are root, like Chromium.
office:
	@if ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing LibreOffice Calc and poppler-utils for the workbook printing test (apt)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-calc-nogui poppler-utils >/dev/null; \
	  else \
	    echo "!!! LibreOffice or pdftotext is missing and cannot be installed here: the workbook printing test will be skipped. !!!"; \
	  fi; \
	fi

# The load generator of make bench (Debian's wrk); installed when missing and we are root.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing wrk for the benchmark (apt)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "wrk is missing: install it (apt-get install wrk) to run the benchmark."; exit 1; \
	  fi; \
	fi

# Builds (or reuses) a programme-scale database in instance-bench/ (or DATABASE_URL), serves it
# with gunicorn -w 2, loads every page with wrk and fails when a page misses its target.
bench: setup wrk
	$(BIN)/python -m partnership.bench $(BENCH_ARGS)

test: db node_modules/.installed browser office
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, and the import-linter contract of .importlinter: dependencies point one way.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
