# oncord: `make run` starts everything; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test test-postgres install install-dev migrate clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	FLASK_APP=app $(VENV)/bin/flask db upgrade

## run: install, migrate, make sure Redis answers, then web + worker (+ sandbox) until Ctrl-C
## (RESET_SANDBOX=1 seeds a new sandbox world instead of the one kept in instance/)
run: install
	$(PY) scripts/run.py

## test: the whole suite on SQLite (installs chromium and redis-server when missing)
test: install-dev
	bash scripts/ensure-test-deps
	$(PY) -m pytest

## test-postgres: the same suite on the local PostgreSQL
test-postgres: install-dev
	bash scripts/ensure-test-deps
	TEST_DATABASE_URL=$(TEST_POSTGRES_URL) $(PY) -m pytest

clean:
	rm -rf $(VENV) .pytest_cache tests/artifacts
