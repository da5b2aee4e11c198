"""The project's two uses of a library's internals, each behind one function.

Neither library offers a public way to do what is needed here; ``tests/test_adapters.py`` fails
loudly when a new version changes what these functions rely on. (The third, Evidence's offline
parquet, is a patch applied at install: ``reports/scripts/offline-parquet.mjs`` fails the install
when its anchors no longer match.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg


def close_dbt_duckdb_connection() -> None:
    """Close the in-process DuckDB connection that dbt-duckdb keeps open after dagster-dbt's row counts.

    dagster-dbt reads the row counts through dbt-duckdb in this process, whose connection manager
    keeps the warehouse open (a class-level environment) after the step; DuckDB allows one writing
    process per file, so another run's dbt would fail on the lock. dbt-duckdb has no public way to
    close it, hence its private ``_ENV`` and ``_LOCK``.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:  # noqa: SLF001
        if DuckDBConnectionManager._ENV is not None:  # noqa: SLF001
            DuckDBConnectionManager._ENV.close()  # noqa: SLF001
            DuckDBConnectionManager._ENV = None  # noqa: SLF001


def free_pool_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Give back the pool slots a dead in-process run holds (its process can no longer do it).

    The daemon's run monitoring does this for runs it launched; `make run` executes in its own
    process without a daemon, and Dagster exposes the release only on its event log storage.
    """
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def fail_dead_run(instance: dg.DagsterInstance, run: dg.DagsterRun, reason: str) -> None:
    """Mark a run whose worker is gone failed, with the reason, and give back its pool slots."""
    instance.report_run_failed(run, reason)
    free_pool_slots(instance, run.run_id)
