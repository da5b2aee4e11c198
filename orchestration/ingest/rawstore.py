"""The engine-neutral raw layer: parquet files per source (and wave), replaced atomically.

A source's parquet files live together in one folder (``raw/<source>/<part>/``). A new
version is written to a scratch folder beside the raw layer and swapped in with two renames,
so a reader sees the old set or the new set, never a mix; a crash between the renames leaves
no set (and no registry), which the next run rebuilds.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.folders import replace_folder


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


@dataclass(frozen=True)
class RawTable:
    """One parquet file of a raw set: its rows and each column's DuckDB type.

    ``lenient`` columns are cast with TRY_CAST (a value the contract leaves free, such as a case's
    start date, becomes NULL rather than refusing the file); ``distinct`` drops repeated rows.
    """

    name: str
    frame: pd.DataFrame
    types: dict[str, str]
    lenient: tuple[str, ...] = ()
    distinct: bool = False

    def query(self, relation: str) -> str:
        casts = ", ".join(f"{'TRY_CAST' if column in self.lenient else 'CAST'}({column} AS {kind}) AS {column}"
                          for column, kind in self.types.items())
        return f"SELECT {'DISTINCT ' if self.distinct else ''}{casts} FROM {relation}"


def write_raw_set(folder: Path, tables: list[RawTable], files: list, **extra: str) -> None:
    """Replace the raw set ``folder`` whole with ``tables`` (typed parquet files) and its file registry."""
    con = duckdb.connect()
    try:
        with replace_folder(folder) as out:
            for table in tables:
                frame = table.frame.reindex(columns=list(table.types))
                con.register("table_df", frame)
                copy_to_parquet(con, table.query("table_df"), out / f"{table.name}.parquet")
                con.unregister("table_df")
            write_registry(out, files, **extra)
    finally:
        con.close()
