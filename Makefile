# profitlens — `make demo` and `make test` work on a fresh machine (Python 3.10+, Java 17 for Spark).
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install demo test test-fast clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,spark]'
	touch $(STAMP)

demo: install
	$(BIN)/profitlens run tests/data/tiny --out demo-output --as-of 2026-03-31

test: install
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not spark and not slow"

clean:
	rm -rf demo-output demo-data .pytest_cache
