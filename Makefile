# profitlens: `make demo` and `make test` work on a fresh machine (Python 3.10+; Java 17 for the
# Spark tests). Both install the locked versions of requirements/lock*.txt (hash-checked), so an
# install does not depend on the day; `make upgrade` refreshes the locks, `make test-latest` tries
# the newest versions pyproject.toml's ranges allow.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
DEMO_CUSTOMERS ?= 3000
# test processes (pytest-xdist); a test file stays in one process, so its module fixtures are
# built once (a session fixture once per process that needs it)
TEST_WORKERS ?= 2
PYTEST      = $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile
LOCK        = requirements/lock.txt
LOCK_SPARK  = requirements/lock-spark.txt
COMPILE     = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.10 --generate-hashes --quiet

.PHONY: install install-spark demo test test-fast test-latest lint browser upgrade clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

install-spark: $(VENV)/.installed-spark

$(VENV)/.installed-spark: $(VENV)/.installed $(LOCK_SPARK)
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK_SPARK)
	touch $@

demo: install
	$(BIN)/profitlens generate demo-data --customers $(DEMO_CUSTOMERS) --months 24 --seed 7
	$(BIN)/profitlens run demo-data --out demo-output

# The browser for the dashboard's tests: Debian's headless Chromium (Playwright's own download
# cannot work offline). Installed when missing and when we may (root with apt-get); otherwise the
# browser tests skip and say why.
browser:
	@bash scripts/install_browser.sh

test: install-spark browser
	$(PYTEST)
	$(MAKE) --no-print-directory lint

test-fast: install
	$(PYTEST) -m "not spark and not slow"

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports

# The newest versions the ranges of pyproject.toml allow, in a venv of their own: what would break
# next. Not part of `make test` (it depends on the day); run it before `make upgrade`.
test-latest:
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install -q --upgrade pip
	.venv-latest/bin/python -m pip install -q --upgrade -e '.[test,spark]'
	.venv-latest/bin/python -m pip list --format=freeze > .venv-latest/versions.txt
	.venv-latest/bin/python -m pytest -q

# Refresh both locks to the newest versions the ranges allow, then run the tests on them.
upgrade: install
	$(BIN)/python -m pip install -q uv
	$(COMPILE) --extra test -o $(LOCK)
	$(COMPILE) --extra test --extra spark -c $(LOCK) -o $(LOCK_SPARK)
	rm -f $(VENV)/.installed $(VENV)/.installed-spark
	$(MAKE) test

clean:
	rm -rf demo-output demo-data .pytest_cache .venv-latest
