"""The Dagster instance's storage (dagster.yaml): Dagster's SQLite storage with a faster event log.

Built on Dagster internals, as ``orchestration/adapters.py`` is, and guarded the same way by
``tests/test_adapters.py``; a module of its own because only the instance imports it.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine


class SqliteEventLog(SqliteEventLogStorage):
    """Dagster's SQLite event log, keeping each database's engine and its connection open.

    Dagster's own opens a new engine and SQLite connection for every event it stores and closes
    them again: about 7 ms an event, and a refresh of the sample stores some 1,600 events (a
    dbt test is three writes: its planned check, its output and its evaluation), 10 to 13 s of
    one of two cores (BENCHMARKS.md, issue 23). The same writes on an open connection take about
    1 ms. Access stays serialised by the storage's lock, as upstream; every write is still its
    own committed transaction, and the engines of the few databases last used are kept (the UI
    reads many runs' databases).

    A commit does not wait for the disk (``synchronous=NORMAL``, in WAL mode, as Dagster makes
    its databases): an fsync an event was 2 to 3 s of a refresh's main thread. SQLite's
    documented trade: no corruption, and committed events survive a crash of the process; only
    a power cut or a crash of the machine can lose the last ones, after which the run is dead
    anyway (``make run`` marks dead runs failed). The warehouse and the publication are DuckDB's.
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
                event.listen(engine, "connect", _commit_without_fsync)
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


def _commit_without_fsync(connection, _record) -> None:
    """A new SQLite connection commits without fsync, in WAL mode (see SqliteEventLog)."""
    cursor = connection.cursor()
    # NORMAL is safe from corruption in WAL mode only. Dagster turns WAL on as well, but in
    # _initdb, after a new database's first connection; on every other database it is on already.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class SqliteStorage(DagsterSqliteStorage):
    """Dagster's SQLite storage under ``base_dir`` (``$DAGSTER_HOME``, dagster.yaml) with the event log above."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = SqliteEventLog(_event_logs_directory(base_dir))

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> SqliteStorage:
        return cls.from_local(inst_data=inst_data, **config_value)
