# Two entry points for a fresh Debian machine with Python 3.11: `make run` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO_ENV := ADDIN_DEV_IDP=1 ADDIN_CRM=local
PORT ?= 8000

.PHONY: run test install install-run browser-deps db-deps clean

$(BIN)/python:
	python3 -m venv $(VENV) || ($(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv && python3 -m venv $(VENV))
	$(BIN)/pip install --quiet --upgrade pip

# The Makefile is a prerequisite too: it names the extras, so changing them reinstalls.
# `make run` needs only the package itself; the tests add the test and PostgreSQL extras.
$(BIN)/.installed-run: setup.cfg pyproject.toml Makefile | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed: setup.cfg pyproject.toml Makefile | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $@ $(BIN)/.installed-run

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install-run: $(BIN)/.installed-run node_modules/.installed

install: $(BIN)/.installed node_modules/.installed

# Debian's Chromium for the taskpane tests, and an emoji font so screenshots show 👍/👎.
browser-deps:
	command -v chromium >/dev/null && fc-list | grep -qi 'noto color emoji' || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium fonts-noto-color-emoji)

# Debian's PostgreSQL binaries: the tests start a throwaway server of their own (tests/postgres.py), never
# the system one. The package lists are refreshed only if installing without a refresh fails.
db-deps:
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  $(SUDO) apt-get install -y --no-install-recommends postgresql || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends postgresql)

# Embedded CRM + demo data + demo sign-in at http://127.0.0.1:$(PORT) (preview: /preview), with the outbox drain
# alongside; the preview URL is printed once /readyz answers. The schema is migrated first, once; the drain and
# the workers only check it.
run: install-run
	$(DEMO_ENV) $(BIN)/addin-api db upgrade
	$(DEMO_ENV) $(BIN)/addin-api demo-data
	$(DEMO_ENV) $(BIN)/addin-api outbox drain --loop & drain=$$!; \
	  $(BIN)/python tools/wait_ready.py http://127.0.0.1:$(PORT) & ready=$$!; \
	  trap 'kill $$drain $$ready 2>/dev/null' EXIT INT TERM; \
	  $(DEMO_ENV) $(BIN)/addin-api serve --host 127.0.0.1 --port $(PORT)

# Lint first (ruff is pinned in the test extra: its rules change between releases), then everything on SQLite,
# then the tests that keep data in the app's database again on PostgreSQL.
PG_TESTS := tests/api tests/contract tests/e2e tests/gmail tests/unit/test_services.py tests/unit/test_cli.py \
  tests/unit/test_outbox_leases.py tests/unit/test_retention.py tests/unit/test_shared_cache.py \
  tests/unit/test_signals_learning.py tests/unit/test_signals_org.py \
  tests/migrations tests/capture

test: install browser-deps db-deps
	$(BIN)/ruff check . && $(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	ADDIN_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q $(PG_TESTS)

clean:
	rm -rf $(VENV) node_modules instance test-artifacts
