# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json

export PYTHONPATH := $(CURDIR)
export SIW_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Telemetry off for dbt, Dagster, Great Expectations and Evidence; bytecode is compiled at install.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export EVIDENCE_DISABLE_TELEMETRY := true
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test dev sample install manifest browser clean
.DEFAULT_GOAL := run

run: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.pipeline

test: install manifest browser $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/pytest

# The Dagster UI and daemon (so schedules run) on 127.0.0.1:3000.
dev: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.dev_server --host 127.0.0.1 --port 3000

# Write the sample landing tree (into SIW_LANDING_DIR, default $(SIW_DATA_DIR)/landing; it must be empty).
sample: install
	$(BIN)/python -m orchestration.sample_exports --out "$${SIW_LANDING_DIR:-$(SIW_DATA_DIR)/landing}"

install: $(INSTALLED)

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip sync --python $(BIN)/python --compile-bytecode requirements.lock
	touch $@

manifest: $(MANIFEST)

$(MANIFEST): $(INSTALLED) $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f) dbt_project/dbt_project.yml dbt_project/profiles.yml
	cd dbt_project && ../$(BIN)/dbt parse --profiles-dir . --quiet
	touch $@

# Debian's Chromium for the browser tests (the machine's package manager; installed once).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .dagster_home .pytest_cache
