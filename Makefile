# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PROJECT_PATH := $(VENV)/.project-path
NODE_INSTALLED := reports/node_modules/.installed
MANIFEST := dbt_project/target/manifest.json

export PYTHONPATH := $(CURDIR)
export SIW_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Telemetry off for dbt, Dagster, Great Expectations and Evidence; bytecode is compiled at install.
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export EVIDENCE_DISABLE_TELEMETRY := true
export SEND_ANONYMOUS_USAGE_STATS := no
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test test-all dev report bench sample install manifest browser java postgres clean
.DEFAULT_GOAL := run

run: install manifest browser $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.pipeline

# `make test`: every test but the slow ones (marked `slow`: kills, Spark, the UI, the report in
# Chromium); `make test-all` (what CI runs): all of them.
test: install manifest browser java $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/pytest -m "not slow"

test-all: install manifest browser java postgres $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster definitions validate -w workspace.yaml
	$(BIN)/pytest

# The Dagster UI and daemon (so schedules run) on 127.0.0.1:$(DEV_PORT); Ctrl-C, SIGTERM or SIGHUP
# stops it, runs in flight included, within 20 s.
DEV_PORT ?= 3000
dev: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.dev_server --host 127.0.0.1 --port $(DEV_PORT)

# Serve the built report site on 127.0.0.1:$(REPORT_PORT) (made by `make run`).
REPORT_PORT ?= 4000
report:
	@test -f "$(SIW_DATA_DIR)/report/site/index.html" || (echo "no report site yet: run make run first" && exit 1)
	@echo "report on http://127.0.0.1:$(REPORT_PORT)/"
	python3 -m http.server $(REPORT_PORT) --bind 127.0.0.1 --directory "$(SIW_DATA_DIR)/report/site"

# Benchmarks (BENCHMARKS.md): a quick subset; FULL=1 runs the whole ladder to 2.3 million invited.
bench: install manifest $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m benchmarks.run $(if $(FULL),--full,)

# Write the sample landing tree (into SIW_LANDING_DIR, default $(SIW_DATA_DIR)/landing; it must be empty).
sample: install
	$(BIN)/python -m orchestration.sample_exports --out "$${SIW_LANDING_DIR:-$(SIW_DATA_DIR)/landing}"

install: $(INSTALLED) $(PROJECT_PATH) $(NODE_INSTALLED)

# Evidence and its packages from the committed lock (npm install: npm ci trips on other
# platforms' optional packages); postinstall applies reports/scripts/offline-parquet.mjs.
$(NODE_INSTALLED): reports/package.json reports/package-lock.json reports/scripts/offline-parquet.mjs
	cd reports && npm install --no-audit --no-fund --loglevel=error
	touch $@

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip sync --python $(BIN)/python --compile-bytecode requirements.lock
	touch $@

# The project's own modules importable by the venv's tools with or without PYTHONPATH (Dagster's CLI
# loads the instance's storage class, dagster.yaml, from orchestration.instance_storage).
$(PROJECT_PATH): $(INSTALLED)
	$(BIN)/python -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "siw-project.pth").write_text("$(CURDIR)\n")'
	touch $@

manifest: $(MANIFEST)

# A full parse: dbt's partial parsing can fail on a changed project (orchestration/dbt/assets.py, run_target).
$(MANIFEST): $(INSTALLED) $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f) dbt_project/dbt_project.yml dbt_project/profiles.yml
	cd dbt_project && ../$(BIN)/python -m orchestration.config ../$(BIN)/dbt parse --no-partial-parse --profiles-dir . --quiet
	touch $@

# Debian's Chromium (the printable report, the browser tests) with poppler-utils (the PDF test),
# and a Java runtime for Spark (the machine's package
# manager; installed once, when missing).
browser:
	@(command -v chromium && command -v pdftotext) >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils)

# Debian's PostgreSQL server for the test of the shared deployment (deploy/dagster.postgres.yaml);
# the test starts a cluster of its own on loopback.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql)

java:
	@command -v java >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs .dagster_home .pytest_cache reports/node_modules reports/.evidence reports/build
