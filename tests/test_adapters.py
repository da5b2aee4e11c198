"""The project's uses of library internals (orchestration/adapters.py and the Evidence patch) still
hold for the pinned versions: each test fails when a new version changes what they rely on."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster_dbt import DbtCliResource

from orchestration.adapters import REPLACED_EXPECTATION_METHODS, DbtCli, free_pool_slots, read_expectation_kwargs_once
from orchestration.instance_storage import SqliteEventLog
from orchestration.config import DBT_PROJECT_DIR, PROJECT_ROOT, REPORTS_DIR
from orchestration.quality.publication_gate import load_suite, suite_tables


def test_the_dbt_resource_starts_dbt_without_its_version_subprocess_or_an_in_process_adapter():
    overridden = {"_cli_version", "_initialize_dbt_core_adapter"}
    assert overridden <= set(vars(DbtCliResource))  # what DbtCli replaces still exists upstream
    assert list(inspect.signature(DbtCliResource._initialize_dbt_core_adapter).parameters) == ["self", "args"]
    resource = DbtCli(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(Path(sys.executable).parent / "dbt"))
    printed = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, check=True).stdout
    assert f"installed: {resource._cli_version}" in printed  # noqa: SLF001 (the same dbt, without running it)
    assert resource._initialize_dbt_core_adapter(["build"]) is None  # noqa: SLF001


def test_the_pool_slots_of_a_run_can_be_freed(tmp_path):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        method = instance.event_log_storage.free_concurrency_slots_for_run
        assert list(inspect.signature(method).parameters) == ["run_id"]
        free_pool_slots(instance, "no-such-run")  # a run without slots: nothing to free, no error


def test_the_evidence_patch_is_applied_to_every_file_it_names():
    script = (REPORTS_DIR / "scripts" / "offline-parquet.mjs").read_text(encoding="utf-8")
    root = REPORTS_DIR / "node_modules" / "@evidence-dev" / "universal-sql"
    for name in ("src/build-parquet.js", "src/client-duckdb/node.js", "src/client-duckdb/browser.js"):
        assert f"'{name}'" in script, name
        assert "/* siw-offline-parquet */" in (root / name).read_text(encoding="utf-8"), name


@dg.asset
def _one_asset() -> int:
    return 1


def test_the_instance_of_dagster_yaml_stores_events_on_connections_it_keeps_open(tmp_path, monkeypatch):
    assert list(inspect.signature(SqliteEventLogStorage._connect).parameters) == ["self", "shard"]
    (tmp_path / "dagster.yaml").write_bytes((PROJECT_ROOT / "dagster.yaml").read_bytes())
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    instance = dg.DagsterInstance.get()
    storage = instance.event_log_storage
    assert isinstance(storage, SqliteEventLog)
    result = dg.materialize([_one_asset], instance=instance)
    assert result.success
    assert instance.get_latest_materialization_event(_one_asset.key).run_id == result.run_id  # the index shard
    with storage.run_connection(result.run_id) as conn:
        first = conn.connection.dbapi_connection
    with storage.run_connection(result.run_id) as conn:
        assert conn.connection.dbapi_connection is first  # the same SQLite connection, still open
        # in WAL mode, committing without fsync (1 is NORMAL; SQLite's default, FULL, is 2)
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1

    for n in range(SqliteEventLog.KEPT):  # other databases push the run's out of those kept open
        with storage.run_connection(f"other-{n}"):
            pass
    assert result.run_id not in storage._engines  # noqa: SLF001
    assert {e.dagster_event_type for e in storage.get_logs_for_run(result.run_id) if e.dagster_event} >= {
        dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.RUN_SUCCESS}  # read again on a new one

    storage.wipe()  # closes its connections before deleting the files: a new run stores as before
    assert storage.get_logs_for_run(result.run_id) == []
    assert dg.materialize([_one_asset], instance=instance).success
    instance.dispose()

    # Dagster's own tools load the same instance outside the project and without PYTHONPATH.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    loaded = subprocess.run([sys.executable, "-c", "import dagster as dg; print(type(dg.DagsterInstance.get()."
                             "event_log_storage).__name__)"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert loaded.stdout.strip() == "SqliteEventLog", loaded.stderr[-2000:]


def test_great_expectations_reads_an_expectations_configuration_once_a_lookup_with_the_same_values(monkeypatch):
    from great_expectations.expectations.expectation import Expectation

    read_expectation_kwargs_once()
    read_expectation_kwargs_once()  # again: Great Expectations' own methods stay on record
    assert sorted(REPLACED_EXPECTATION_METHODS) == ["_get_domain_kwargs", "_get_runtime_kwargs", "_get_success_kwargs"]
    assert all(m.__module__.startswith("great_expectations.") for m in REPLACED_EXPECTATION_METHODS.values())
    upstream = REPLACED_EXPECTATION_METHODS
    expectations = [e for table in suite_tables() for e in load_suite(table).expectations]  # every kind the gate runs
    assert len({type(e) for e in expectations}) >= 5
    for e in expectations:
        assert e._get_domain_kwargs() == upstream["_get_domain_kwargs"](e)
        assert e._get_success_kwargs() == upstream["_get_success_kwargs"](e)
        for runtime in (lambda: None, lambda: {"result_format": "BASIC"},
                        lambda: {"result_format": {"result_format": "SUMMARY"}, "catch_exceptions": True}):
            assert e._get_runtime_kwargs(runtime()) == upstream["_get_runtime_kwargs"](e, runtime())

    built = []
    configuration = Expectation.configuration
    monkeypatch.setattr(Expectation, "configuration", property(lambda self: built.append(1) or configuration.fget(self)))
    expectations[0]._get_runtime_kwargs({"result_format": "BASIC"})
    assert len(built) == 3  # once in each of the three lookups
    built.clear()
    upstream["_get_runtime_kwargs"](expectations[0], {"result_format": "BASIC"})
    assert len(built) > 3  # once for each key
