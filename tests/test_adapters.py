"""The project's uses of library internals (orchestration/adapters.py and the Evidence patch) still
hold for the pinned versions: each test fails when a new version changes what they rely on."""

from __future__ import annotations

import inspect
import subprocess
import sys

import dagster as dg
from dbt.adapters.duckdb import environments
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.adapters.duckdb.credentials import DuckDBCredentials

from orchestration.adapters import close_dbt_duckdb_connection, free_pool_slots
from orchestration.config import REPORTS_DIR


def test_the_dbt_duckdb_connection_is_closed_and_the_file_free_for_another_process(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    assert {"_ENV", "_LOCK"} <= set(vars(DuckDBConnectionManager))  # what the adapter relies on
    environment = environments.create(DuckDBCredentials(path=str(path)))
    environment.handle().cursor().execute("CREATE TABLE t AS SELECT 1 AS x")
    DuckDBConnectionManager._ENV = environment  # noqa: SLF001 (as dbt-duckdb's open() leaves it)
    close_dbt_duckdb_connection()
    assert DuckDBConnectionManager._ENV is None  # noqa: SLF001
    # DuckDB allows one writing process per file: another process can now write it
    writer = f"import duckdb; duckdb.connect({str(path)!r}).execute('INSERT INTO t VALUES (2)')"
    assert subprocess.run([sys.executable, "-c", writer], capture_output=True, timeout=60).returncode == 0
    close_dbt_duckdb_connection()  # nothing open: nothing to do


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
