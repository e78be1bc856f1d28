# The README's two commands: `make crawl` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: crawl test lint install serve-demo clean system-packages bench-packages

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# pywb replays our WARCs in the tests; --no-deps keeps out brotlipy, which would shadow the
	# brotli package Scrapy decodes br with (its other requirements are in the test extra).
	$(BIN)/python -m pip install --quiet --no-deps pywb==2.10.0
	touch $@

# ReplayWeb.page for the browser replay tests (tests/replayweb/package.json pins it; npm, Node.js 20).
REPLAYWEB := tests/replayweb/node_modules/replaywebpage/ui.js
$(REPLAYWEB): tests/replayweb/package.json
	cd tests/replayweb && npm install --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed

## crawl: serve the bundled demo site on 127.0.0.1, crawl it into output/demo/, print a summary
crawl: $(VENV)/.installed
	$(BIN)/crawler demo

# System packages some tests need: Debian's chromium (browser mode and the report render in it; Playwright drives it
# and downloads no browser) and redis-server (the distributed-crawl tests start their own).
# Not fatal: without them those tests fail and say why, and the rest of the suite still runs.
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)
SYSTEM_PACKAGES := chromium redis-server  # each installs a command of the same name
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing) \
		|| echo "make: could not install$$missing with apt-get: the tests that need them will fail" >&2; \
	fi

# For bench/crawl.py only (no test needs them): nginx serves the bench sites (the script falls back to
# Python's http.server, which cannot keep up), wget is one of the contenders.
BENCH_PACKAGES := nginx-light wget
bench-packages:
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		$(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

## lint: ruff (lint and format check) over the tree, mypy over the pure libraries
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: install test dependencies and system packages, run the lint and the whole suite
test: $(VENV)/.installed-test $(REPLAYWEB) system-packages lint
	$(BIN)/python -m pytest

serve-demo: $(VENV)/.installed
	$(BIN)/crawler demo --serve --port 8000

clean:
	rm -rf $(VENV) output .pytest_cache tests/replayweb/node_modules
