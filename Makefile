# The README's two commands: `make crawl` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: crawl test install serve-demo clean chromium

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

install: $(VENV)/.installed

## crawl: serve the bundled demo site on 127.0.0.1, crawl it into output/demo/, print a summary
crawl: $(VENV)/.installed
	$(BIN)/crawler demo

# Debian's chromium, for the report's rendering test (Playwright drives it; it downloads no browser).
# Not fatal: without it that test fails and says why, and the rest of the suite still runs.
SUDO := $(shell [ "$$(id -u)" -ne 0 ] && command -v sudo >/dev/null && echo sudo)
chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium) \
		|| echo "make: could not install chromium (apt-get install -y chromium): the report test will fail" >&2

## test: install test dependencies and chromium, and run the whole suite
test: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest

serve-demo: $(VENV)/.installed
	$(BIN)/crawler demo --serve --port 8000

clean:
	rm -rf $(VENV) output .pytest_cache
