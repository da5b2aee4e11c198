"""Read-only access to DuckDB files and to the warehouse that dbt built, on either engine.

``duckdb.connect(path)`` shares one database instance per file in a process, and refuses a
second configuration (dagster-dbt's column metadata keeps the warehouse open read-write in
the same process), so readers attach the file to a fresh in-memory database instead. A
warehouse built on Spark is read from its parquet tables, so the rest of the pipeline sees
the same ``wh.<schema>.<table>`` names whichever engine built it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb

from orchestration.config import DBT_PROJECT_DIR, Settings

# The warehouse schemas read outside dbt (publication and its gate).
READ_SCHEMAS = ("marts", "reporting")


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


def attach_warehouse(con: duckdb.DuckDBPyConnection, settings: Settings, alias: str = "wh") -> None:
    """Make the warehouse's marts and reporting tables readable in ``con`` as ``<alias>.<schema>.<table>``."""
    if settings.engine == "duckdb":
        con.execute(f"ATTACH '{settings.warehouse_path}' AS {alias} (READ_ONLY)")
        return
    # Spark keeps each managed table as a folder of parquet files, <schema>.db/<table>/ in its
    # warehouse (parquet is the project's file_format): views over them, nothing copied.
    con.execute(f"ATTACH ':memory:' AS {alias}")
    for schema in READ_SCHEMAS:
        con.execute(f"CREATE SCHEMA {alias}.{schema}")
        for table in sorted(p for p in (settings.spark_warehouse_dir / f"{schema}.db").glob("*") if p.is_dir()):
            con.execute(f"CREATE VIEW {alias}.{schema}.{table.name} AS {spark_table_query(schema, table)}")


def spark_table_query(schema: str, table: Path) -> str:
    """DuckDB's query of one Spark table folder.

    A model built by wave (macros/by_wave.sql) is partitioned: a folder per wave (``wave_id=<id>/``),
    which Spark puts last and a table without rows lacks. Its columns are read in its contract's
    order and types, from dbt's manifest, as the DuckDB warehouse has them.
    """
    if any(table.glob("*.parquet")):
        return f"SELECT * FROM read_parquet('{table}/*.parquet')"
    columns = contract_columns()[(schema, table.name)]
    if not any(table.glob("*=*/*.parquet")):
        return "SELECT " + ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns.items()) + " WHERE false"
    return (f"SELECT {', '.join(columns)} FROM read_parquet('{table}/*=*/*.parquet', "
            "hive_partitioning = true, hive_types_autocast = false)")


@cache
def contract_columns() -> dict[tuple[str, str], dict[str, str]]:
    """Each model's columns and types as its contract gives them ((schema, table) -> {column: type}),
    read once from dbt's manifest."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    return {(n["schema"], n["alias"]): {name: c.get("data_type") for name, c in n["columns"].items()}
            for n in manifest["nodes"].values() if n["resource_type"] == "model"}


@contextmanager
def read_warehouse(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection in which the warehouse dbt built is attached as ``wh`` (and is the default catalog)."""
    con = duckdb.connect()
    try:
        attach_warehouse(con, settings)
        con.execute("USE wh")
        yield con
    finally:
        con.close()
