"""The engine-neutral raw layer: parquet files per source (and wave), replaced atomically.

A source's parquet files live together in one folder (``raw/<source>/<part>/``). A new
version is written to a scratch folder beside the raw layer and swapped in with two renames,
so a reader sees the old set or the new set, never a mix; a crash between the renames leaves
no set (and no registry), which the next run rebuilds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb


def copy_to_parquet(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    """Write the result of ``query`` to a parquet file (zstd)."""
    con.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")


def clean_scratch(raw_dir: Path) -> None:
    """Remove scratch folders left by a killed run (they were never visible to readers)."""
    for folder in raw_dir.glob("**/.scratch"):
        shutil.rmtree(folder, ignore_errors=True)


def write_registry(folder: Path, files: list, **extra: str) -> None:
    """Write ``files.parquet``: the file registry of one raw set (name, path, size, sha256, read_at)."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE registry (file_name VARCHAR, path VARCHAR, size_bytes BIGINT, sha256 VARCHAR)")
        for f in files:
            con.execute("INSERT INTO registry VALUES (?, ?, ?, ?)", [f.path.name, str(f.path), f.size, f.sha256])
        columns = "".join(f", '{value}' AS {name}" for name, value in extra.items())
        copy_to_parquet(con, f"SELECT *{columns}, now() AS read_at FROM registry", folder / "files.parquet")
    finally:
        con.close()
