# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, migrate, seed demo data on first run, serve :8080
#   make test   lint and run the whole test suite (SQLite; PostgreSQL and Redis when configured or
#               found on their default local ports, see tests/local_services.py)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
# The suite runs on two xdist workers (each with its own databases); TEST_WORKERS=0 runs it serially.
TEST_WORKERS ?= 2

.PHONY: run test lint migrate seed screenshot clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	$(PY) run.py migrate
	$(PY) run.py seed-demo --if-empty
	$(PY) run.py serve

migrate: $(VENV)/.runtime
	$(PY) run.py migrate

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .

test: $(VENV)/.dev lint
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadgroup

screenshot: $(VENV)/.dev
	$(PY) tools/screenshot.py docs/screenshot-home.png

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
