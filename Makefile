# profitlens: `make demo` and `make test` work on a fresh machine (Python 3.10+; Java 17 for the
# Spark tests).
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
DEMO_CUSTOMERS ?= 3000

.PHONY: install install-spark demo test test-fast clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

install-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test,spark]'
	touch $@

demo: install
	$(BIN)/profitlens generate demo-data --customers $(DEMO_CUSTOMERS) --months 24 --seed 7
	$(BIN)/profitlens run demo-data --out demo-output

test: install-spark
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not spark and not slow"

clean:
	rm -rf demo-output demo-data .pytest_cache
