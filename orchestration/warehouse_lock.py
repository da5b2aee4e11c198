"""One writer at a time on the data folder, across processes.

DuckDB allows one writing process per file, and the raw layer's folder swaps must not interleave.
Dagster's `warehouse` pool queues ops of runs that the daemon launches, but `make run` (in
process) and a run from the UI are different processes, so every asset that writes takes this
advisory file lock (``$SIW_DATA_DIR/.warehouse.lock``) for the length of its work: two runs
requested at once wait for each other instead of failing on DuckDB's lock.
"""

from __future__ import annotations

import fcntl
import functools
from collections.abc import Iterator
from contextlib import contextmanager

from orchestration.config import get_settings


@contextmanager
def warehouse_lock() -> Iterator[None]:
    """Hold the data folder's writer lock (blocking until it is free)."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / ".warehouse.lock", "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def holding_warehouse_lock(asset_fn):
    """Decorate an asset's generator function so that its whole body runs under the lock."""

    @functools.wraps(asset_fn)
    def locked(*args, **kwargs):
        with warehouse_lock():
            yield from asset_fn(*args, **kwargs)

    return locked
