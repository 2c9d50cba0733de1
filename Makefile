# Two commands matter: `make demo` and `make test`. Each sets up what it needs first (a Python
# virtual environment from requirements.lock, the npm packages from package-lock.json), once.
SHELL := bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_READY := $(VENV)/.ready
# The library must also work with the newest web3 (8), which ape (web3 7) cannot share an
# environment with: a second environment runs the tests that do not need ape.
VENV8 := .venv-web3-8
PY8_READY := $(VENV8)/.ready
NPM_READY := node_modules/.ready
# The verification page's browser tests drive Debian's chromium (through npm's playwright-core).
BROWSER := /usr/bin/chromium

.PHONY: setup demo test lint postgresql artifacts ape-compile ape-test bench slither clean screenshots

setup: $(PY_READY) $(NPM_READY)

$(PY_READY): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(PY8_READY): requirements-web3-8.lock pyproject.toml
	$(PYTHON) -m venv $(VENV8)
	$(VENV8)/bin/pip install --quiet --disable-pip-version-check -r requirements-web3-8.lock
	$(VENV8)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(NPM_READY): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Installed once, as root (as CI runs); never Playwright's own browser download.
$(BROWSER):
	command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

# Tests run in two processes (pytest-xdist), a file per process at a time: each process has its own
# nodes and deployments, so no two tests share a chain.
WORKERS ?= -n 2 --dist loadfile

# The index's tests (tests/cli/test_index.py) start a throwaway PostgreSQL server of their own from
# Debian's package: installed once, as root (as CI runs), when missing.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; }

demo: setup
	$(PY) scripts/demo.py

test: setup lint slither $(PY8_READY) $(BROWSER) postgresql
	$(PY) -m pytest -p no:ape_test -q $(WORKERS)
	@echo "== the same library with web3 8: where web3's API is used (providers, errors, encoding)"
	$(VENV8)/bin/python -m pytest -q $(WORKERS) -m "not slow" tests/test_document.py tests/test_tx.py \
		tests/contracts/test_certificates_issue.py tests/contracts/test_signatures.py \
		tests/contracts/test_registry_authorities.py tests/integration/test_anvil.py \
		tests/cli/test_issue.py tests/cli/test_verify.py tests/cli/test_first_use.py tests/web/test_app.py \
		tests/contracts/test_wallets.py tests/integration/test_provider_limits.py

# The verification page at phone size, genuine and not, for the README: docs/img/verify-*.png.
screenshots: setup $(BROWSER)
	KP_SCREENSHOTS=docs/img $(PY) -m pytest -p no:ape_test -q tests/web/test_browser.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Static analysis: slither in its own environment (it pins its own crytic-compile), through the
# solcjs bridge; tests/test_slither.py checks every High or Medium finding is explained in
# docs/slither-triage.md.
SLITHER_VENV := .venv-slither
$(SLITHER_VENV)/.ready: requirements-slither.lock
	$(PYTHON) -m venv $(SLITHER_VENV)
	$(SLITHER_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-slither.lock
	touch $@

slither: $(NPM_READY) $(SLITHER_VENV)/.ready
	mkdir -p .build && rm -f .build/slither.json
	$(SLITHER_VENV)/bin/slither contracts --solc-standard-json --solc tools/solc \
		--solc-remaps "@openzeppelin/=node_modules/@openzeppelin/" --filter-paths node_modules \
		--json .build/slither.json --fail-high > .build/slither.log 2>&1 \
		|| { tail -n 30 .build/slither.log; exit 1; }
	@echo "slither: $$(grep -c '"check"' .build/slither.json) findings, none High (triage: docs/slither-triage.md)"

# ape, offline: py-solc-x finds the pinned compiler as .build/solcx/solc-v<version>, a wrapper
# over the solcjs bridge (generated, never committed; see ape-config.yaml).
APE_SOLC := .build/solcx/solc-v0.8.28
APE_ENV := SOLCX_BINARY_PATH=$(CURDIR)/.build/solcx KP_APE_TEST=1

$(APE_SOLC): tools/solc
	mkdir -p $(@D)
	printf '#!/bin/sh\nexec "%s/tools/solc" "$$@" --include-path "%s"\n' "$(CURDIR)" "$(CURDIR)" > $@
	chmod +x $@

ape-compile: setup $(APE_SOLC)
	$(APE_ENV) $(VENV)/bin/ape compile

ape-test: setup $(APE_SOLC)
	$(APE_ENV) $(VENV)/bin/ape test tests/ape

artifacts: setup
	$(PY) -m kp_py._build

clean:
	rm -rf $(VENV) $(VENV8) $(SLITHER_VENV) node_modules .kp .build

# Gas and speed against baselines measured in the same run (a fresh local node); writes
# benchmarks/results.json (with the round trips of a verification behind a capping proxy and the page
# under load). Then kp's gas next to published peers (EAS, OpenAttestation's document store,
# TradeTrust's token registry, from their npm artifacts): benchmarks/peers.json.
PEERS_READY := benchmarks/peers/node_modules/.ready
$(PEERS_READY): benchmarks/peers/package.json benchmarks/peers/package-lock.json
	npm ci --prefix benchmarks/peers --no-audit --no-fund --loglevel=error
	touch $@

bench: setup $(PEERS_READY)
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/gas_breakdown.py
	$(PY) benchmarks/round_trips.py
	$(PY) benchmarks/page_load.py
	$(PY) benchmarks/peers.py
