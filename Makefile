# Two commands matter: `make demo` and `make test`. Each sets up what it needs first (a Python
# virtual environment from requirements.lock, the npm packages from package-lock.json), once.
SHELL := bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_READY := $(VENV)/.ready
NPM_READY := node_modules/.ready

.PHONY: setup demo test test-fast lint artifacts clean

setup: $(PY_READY) $(NPM_READY)

$(PY_READY): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NPM_READY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: setup
	$(PY) scripts/demo.py

test: setup
	$(PY) -m pytest -p no:ape_test -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

artifacts: setup
	$(PY) -m kp_py._build

clean:
	rm -rf $(VENV) node_modules .kp .build
