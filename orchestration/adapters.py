"""The project's uses of Dagster's and dagster-dbt's internals, each behind one function or class.

Neither library offers a public way to do what is needed here; ``tests/test_adapters.py`` fails
loudly when a new version changes what these rely on. (Evidence's offline parquet is a patch
applied at install: ``reports/scripts/offline-parquet.mjs`` fails the install when its anchors no
longer match.)
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from functools import cached_property
from importlib.metadata import version
from typing import TYPE_CHECKING

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from dagster_dbt import DbtCliResource
from packaging.version import Version
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

if TYPE_CHECKING:
    import dagster as dg


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two start-up costs of each ``dbt.cli`` call.

    Before starting dbt, dagster-dbt runs ``dbt --version`` in a subprocess (about 2 s) and loads
    dbt and its adapter into this process (about 3 s), for metadata fetched through the adapter.
    The project fetches none that way (row counts are read from the warehouse file once dbt has
    exited, ``orchestration/dbt/assets.py``), and the dbt it runs is the one installed beside it.
    dagster-dbt has no setting for either, hence its private ``_cli_version`` and
    ``_initialize_dbt_core_adapter``.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # noqa: ARG002
        return None


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


class SqliteEventLog(SqliteEventLogStorage):
    """Dagster's SQLite event log, keeping each database's engine and its connection open.

    Dagster's own opens a new engine and SQLite connection for every event it stores and closes
    them again: about 7 ms an event, and a refresh of the sample stores some 1,600 events (a
    dbt test is three writes: its planned check, its output and its evaluation), 10 to 13 s of
    one of two cores (BENCHMARKS.md, issue 23). The same writes on an open connection take about
    1 ms. Access stays serialised by the storage's lock, as upstream; every write is still its
    own committed transaction (same durability), and the engines of the few databases last used
    are kept (the UI reads many runs' databases).
    """

    KEPT = 8

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                # One connection used from whichever thread holds the lock (the event watcher's too).
                engine = create_engine(self.conn_string_for_shard(shard), pool_size=1,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > self.KEPT:
                self._engines.popitem(last=False)[1].dispose()
            with engine.connect() as conn, conn.begin():
                yield conn

    def _close_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self._close_engines()  # before its files are deleted
        super().wipe()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()


class SqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage under ``base_dir`` (``$DAGSTER_HOME``, dagster.yaml) with the event log above."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = SqliteEventLog(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> SqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
