"""The method page's tables: what the ingestion set aside and which checks ran for a publication.

Both are written into the candidate publication by the publish step (``reporting.ingestion_issues``
and ``reporting.quality_checks``): the first from the raw layer's quarantine and refusal records,
the second from this run's Dagster check evaluations (pandera, dbt tests) and the Great
Expectations results of the gate. Only rule names, counts and masked reasons are published:
a refusal's reason can quote a value from the file, which may be personal data.
"""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.refusals import standing_refusals

QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
QUARANTINE = "survey/wave=*/quarantine.parquet"
DROPPED = "survey/wave=*/dropped_columns.parquet"
NOTES = "survey/wave=*/notes.parquet"
CASE_NOTES = "cases/all/notes.parquet"
# The optional sources (sources.md): an empty file registry means the landing zone had none.
OPTIONAL_SOURCES = {"interviews": ("interviews/log/files.parquet", "interviews/interview_log.xlsx"),
                    "cases": ("cases/all/files.parquet", "cases/*.json"),
                    "frame": ("frame/current/files.parquet", "frame/population_frame.csv")}


def masked(reason: str) -> str:
    """A refusal reason with every quoted value replaced by '…' (values may be personal data)."""
    return QUOTED.sub("'…'", reason)


def _present(raw_dir: Path, pattern: str) -> str | None:
    """A read_parquet list of the files matching pattern, or None when there are none."""
    files = sorted(raw_dir.glob(pattern))
    return "[" + ", ".join(f"'{f}'" for f in files) + "]" if files else None


def write_ingestion_issues(con: duckdb.DuckDBPyConnection, table: str, raw_dir: Path) -> None:
    """Create ``table``: per source, wave, kind and rule the number of rows, columns or files set aside,
    the notes of the ingestion report, and the optional sources not delivered."""
    con.execute(f"CREATE TABLE {table} (source VARCHAR, wave_id VARCHAR, kind VARCHAR, rule VARCHAR, n BIGINT)")
    if files := _present(raw_dir, QUARANTINE):
        con.execute(f"""INSERT INTO {table} SELECT 'survey', wave_id, 'quarantined_row',
                        variable || ': ' || rule, count(DISTINCT line)
                        FROM read_parquet({files}) GROUP BY ALL""")
    if files := _present(raw_dir, DROPPED):
        con.execute(f"""INSERT INTO {table} SELECT 'survey', wave_id, 'dropped_column', variable, 1
                        FROM read_parquet({files}, union_by_name = true)""")
    if files := _present(raw_dir, NOTES):  # what the ingestion names of a wave (sources.md 1b)
        con.execute(f"""INSERT INTO {table} SELECT 'survey', wave_id, 'note', note, 1
                        FROM read_parquet({files}, union_by_name = true)""")
    for source, (registry, expected) in OPTIONAL_SOURCES.items():
        if (raw_dir / registry).exists() and not con.execute(
                f"SELECT count(*) FROM read_parquet('{raw_dir / registry}')").fetchone()[0]:
            con.execute(f"INSERT INTO {table} VALUES (?, NULL, 'not_delivered', ?, 1)",
                        [source, f"no {expected} in the landing zone"])
    refused = [(source, None, kind, f"{Path(path).name} {reason}")
               for source, kind, path, reason in standing_refusals(raw_dir)]
    if files := _present(raw_dir, CASE_NOTES):
        refused += [("cases", None, "note", f"{Path(path).name} {note}")
                    for path, note in con.execute(f"SELECT file, note FROM read_parquet({files})").fetchall()]
    for source, wave, kind, reason in refused:
        con.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?, 1)", [source, wave, kind, masked(reason)])


def run_check_results(instance: dg.DagsterInstance, run_id: str) -> list[tuple]:
    """(stage, check, target, passed, evaluated, failed) of every check this run evaluated so far."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION,
                                           limit=100_000).records
    rows = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.asset_check_evaluation_data
        target = "/".join(evaluation.asset_key.path)
        stage = "pandera" if evaluation.check_name.startswith("pandera") or target.startswith("raw/") else "dbt"
        rows.append((stage, evaluation.check_name, target, bool(evaluation.passed), 1, 0 if evaluation.passed else 1))
    return rows


def write_quality_checks(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Create ``table`` with one row per check: stage, check, target, passed, evaluated, failed."""
    con.execute(f"CREATE TABLE {table} (stage VARCHAR, check_name VARCHAR, target VARCHAR, passed BOOLEAN, "
                "n_evaluated BIGINT, n_failed BIGINT)")
    if rows:
        con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", rows)
