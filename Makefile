# The README's two commands: `make crawl` and `make test`. Both work from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: crawl test install serve-demo clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

## crawl: serve the bundled demo site on 127.0.0.1, crawl it into output/demo/, print a summary
crawl: $(VENV)/.installed
	$(BIN)/crawler demo

## test: install test dependencies and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

serve-demo: $(VENV)/.installed
	$(BIN)/crawler demo --serve --port 8000

clean:
	rm -rf $(VENV) output .pytest_cache
