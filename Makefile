# Himaya: two commands. `make demo` builds and serves the reference scenario on SQLite;
# `make test` runs the whole suite on SQLite, then on PostgreSQL when one is reachable.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
VENDOR := himaya/static/vendor

.PHONY: demo test install install-test assets translations system-deps lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency lists change, so that a second run starts in seconds.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed assets translations
install-test: $(VENV)/.installed-test assets translations

# Bootstrap 5 (with its RTL build) from the npm registry, served locally by WhiteNoise.
$(VENDOR)/.stamp: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	mkdir -p $(VENDOR)/bootstrap
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.rtl.min.css \
	   node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	touch $@

assets: $(VENDOR)/.stamp

translations: $(VENV)/.installed
	$(BIN)/himaya compile-translations

demo: install
	HIMAYA_DEMO_MODE=true $(BIN)/himaya demo
	@echo "Himaya is at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@# A task worker beside the web server runs imports, deduplication and reports.
	export HIMAYA_DEMO_MODE=true; $(BIN)/himaya db_worker --queue-name '*' & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(BIN)/himaya runserver 127.0.0.1:$(PORT)

# Chromium from Debian's packages for the browser tests (never a downloaded browser).
system-deps:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Chromium first: sudo apt-get install chromium"; exit 1; fi; }

test: install-test system-deps
	$(BIN)/ruff check .
	rm -f var/test-postgres.passed
	HIMAYA_ENV=test $(BIN)/pytest
	@url=$$($(BIN)/python scripts/postgres_url.py); \
	if [ -n "$$url" ]; then \
	  echo "--- PostgreSQL pass ($$url)"; \
	  HIMAYA_ENV=test DATABASE_URL=$$url $(BIN)/pytest -m "not e2e" && mkdir -p var && touch var/test-postgres.passed; \
	else echo "--- PostgreSQL not reachable: SQLite pass only"; fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	@ls bench/*.py bench/*/run.py 2>/dev/null | while read b; do $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
