# The two commands: `make run` serves the demo, `make test` runs every test.
# Both bootstrap what they need on a fresh Debian machine and are safe to repeat.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test setup db browser office redis lint help bench wrk messages translations offline

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
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Workbox, from npm, served by the app itself for its service worker (static/js/sw.js): pages
# already opened work offline. Built here, never committed; without it the app runs online only.
WORKBOX_MODULES := workbox-core workbox-routing workbox-strategies workbox-expiration workbox-cacheable-response
static/vendor/workbox/.built: node_modules/.installed
	@mkdir -p static/vendor/workbox
	@cp node_modules/workbox-sw/build/workbox-sw.js static/vendor/workbox/
	@for m in $(WORKBOX_MODULES); do cp node_modules/$$m/build/$$m.prod.js static/vendor/workbox/; done
	@touch $@

# Swagger UI, from npm, for the API's interactive documentation at /api/docs (no CDN). Built
# here, never committed; without it /api/docs says so and /api/openapi.json is still served.
SWAGGER_UI_FILES := swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE
static/vendor/swagger-ui/.built: node_modules/.installed
	@mkdir -p static/vendor/swagger-ui
	@for f in $(SWAGGER_UI_FILES); do cp node_modules/swagger-ui-dist/$$f static/vendor/swagger-ui/; done
	@touch $@

offline: static/vendor/workbox/.built static/vendor/swagger-ui/.built

# Translations: the .po catalogues in translations/ are the source; the compiled .mo files are
# built here (never committed) whenever a .po is newer.
LANGS := ru sw
MO_FILES := $(foreach l,$(LANGS),translations/$(l)/LC_MESSAGES/messages.mo)
BABEL_KEYWORDS := -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 -k pgettext:1c,2

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(BIN)/.installed
	@# Fuzzy and untranslated entries are left out (shown in English); the catalogue test names them.
	@$(BIN)/python -c "from partnership.i18n import compile_stale_catalogues as c; c('translations')"

translations: $(MO_FILES)

# Extract every marked string and merge it into each catalogue (new ones arrive untranslated).
# The extraction date is pinned so that parallel branches do not conflict on it.
messages: | $(BIN)/.installed
	@set -o pipefail; $(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-location \
	  --ignore-dirs='.* __pycache__ node_modules instance tests migrations static' \
	  --sort-output --project partnership-manager -o translations/messages.pot . 2>&1 \
	  | { grep -v '^extracting messages from' || true; }
	@for l in $(LANGS); do \
	  if [ -f translations/$$l/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i translations/messages.pot -d translations -l $$l --ignore-obsolete; \
	  else \
	    $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$l; \
	  fi; \
	  sed -i 's/^"POT-Creation-Date: .*/"POT-Creation-Date: 2026-12-01 00:00+0000\\n"/' \
	    translations/$$l/LC_MESSAGES/messages.po; \
	done
	@for l in $(LANGS); do \
	  $(BIN)/pybabel compile --statistics -l $$l -i translations/$$l/LC_MESSAGES/messages.po \
	    -o translations/$$l/LC_MESSAGES/messages.mo \
	    || echo "!!! $$l: fix the entries named above (a fuzzy entry whose placeholders changed?)"; \
	done

setup: $(BIN)/.installed translations

db: setup
	@$(FLASK) db upgrade
	@$(FLASK) seed-demo

run: db offline
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

# Debian's redis-server: the tests run the job queue on Redis too (REDIS_URL), as production
# may; installed when missing and we are root, like Chromium.
redis:
	@if ! command -v redis-server >/dev/null; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "Installing redis-server for the job-queue tests on Redis (apt)..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "!!! redis-server is missing and cannot be installed here: the Redis queue tests will be skipped. !!!"; \
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

test: db node_modules/.installed offline browser office redis
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, and the import-linter contract of .importlinter: dependencies point one way.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
