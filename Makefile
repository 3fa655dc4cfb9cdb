# The two ways in: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# three workers on two cores: the suite waits on sockets and subprocesses part of the time
# (measured on two cores, both engines: four workers took 12% longer than three)
TEST_WORKERS ?= 3
# loadgroup hands out one test at a time to whichever worker is free (no test names a group),
# the slow ones first (tests/conftest.py): the default hands out runs of neighbouring tests, so
# the demos of tests/e2e/test_demo.py ran one after another on one worker
TEST_DIST ?= loadgroup

.PHONY: demo test check lint typecheck layers install clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Lotgenoot needs Python 3.11 or newer" if sys.version_info < (3, 11) else 0)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

demo: $(BIN)/.installed
	$(BIN)/lotgenoot demo

lint: $(BIN)/.installed
	$(BIN)/ruff check bot experiments tests bench
	$(BIN)/ruff format --check bot experiments tests bench

typecheck: $(BIN)/.installed
	$(BIN)/mypy

layers: $(BIN)/.installed
	$(BIN)/lint-imports

check: lint typecheck layers

# The type check runs beside the tests, not before them: on a fresh clone mypy has no cache and
# kept one core busy for half a minute while the other waited. Its report is printed after the
# tests', and either failing fails the target.
# Bytecode is kept (PYTHONDONTWRITEBYTECODE emptied): the suite starts many Python processes (its
# workers, and the CLI, demo and kill tests' subprocesses), and without .pyc files each one
# compiled the project and rewrote the test modules' asserts again, 4 of every 10 s a worker spent
# collecting.
test: lint layers
	@rm -f $(VENV)/typecheck.out
	@PYTHONDONTWRITEBYTECODE= ; export PYTHONDONTWRITEBYTECODE; \
	$(BIN)/mypy > $(VENV)/typecheck.out 2>&1 & typecheck=$$!; \
	$(BIN)/pytest -n $(TEST_WORKERS) --dist $(TEST_DIST); tests=$$?; \
	wait $$typecheck; typed=$$?; cat $(VENV)/typecheck.out; \
	test $$tests -eq 0 && test $$typed -eq 0

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-output
