# The two commands a newcomer needs: `make run` and `make test`. Both create the virtualenv on
# first use and reinstall only when pyproject.toml has changed since the last install.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean install screenshots

run: $(STAMP)
	$(BIN)/python -m shixian.run

# All three run even if one fails, so that one run shows every problem; the status is theirs.
# pytest runs on every core (pytest-xdist); a test waits on its own servers much of its time,
# so mypy checks beside it (its report printed after pytest's) instead of before it. Three
# workers on two cores were faster (4:02 against 4:56) but once left a test's teardown hanging
# with a second suite beside them: WORKERS=3 to try it.
WORKERS ?= auto
test: $(STAMP)
	@status=0; typed=$$(mktemp); \
	echo "== ruff check ."; $(BIN)/ruff check . || status=1; \
	$(BIN)/mypy > $$typed 2>&1 & mypy=$$!; \
	echo "== pytest -q -rfEs -n $(WORKERS)"; $(BIN)/pytest -q -rfEs -n $(WORKERS) --dist worksteal --durations=15 || status=1; \
	wait $$mypy || status=1; echo "== mypy"; cat $$typed; rm -f $$typed; \
	exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	@set -e; for script in bench/bench_*.py; do echo "== $$script"; $(BIN)/python "$$script"; done

# The workbench's main pages as PNGs in var/screenshots/ (docs/workbench.md): the browser tests,
# saving what they pass through. Needs /usr/bin/chromium, and a CJK font for legible Chinese.
screenshots: $(STAMP)
	rm -rf var/screenshots
	SHIXIAN_SCREENSHOTS=var/screenshots $(BIN)/pytest -q -m browser tests/web
	@ls var/screenshots

# Development state only (databases, Temporal dev server, demo tokens); nothing to ask.
clean:
	rm -rf var

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)
