"""Read-only access to a DuckDB file without touching the process-wide connection cache.

``duckdb.connect(path)`` shares one database instance per file in a process, and refuses a
second configuration (dagster-dbt's column metadata keeps the warehouse open read-write in
the same process), so readers attach the file to a fresh in-memory database instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


@contextmanager
def read_only(path: Path, alias: str = "db") -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection in which ``path`` is attached read-only as ``alias`` (and is the default catalog)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS {alias} (READ_ONLY)")
        con.execute(f"USE {alias}")
        yield con
    finally:
        con.close()
