"""The raw layer's record of refused inputs (kept while the refusal stands): written by ingestion,
read by the publication's method tables and by `make run`'s summary, so it is ground every stage may use.

A refused wave or interview log leaves its last good raw data in place, so the refusal is
recorded beside it in ``raw/refusals/<name>.parquet`` and removed once the source is read
again successfully. The method page of the report and the metadata in Dagster read it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from orchestration.errors import SourceRefused


def refusal_path(raw_dir: Path, name: str) -> Path:
    return raw_dir / "refusals" / f"{name}.parquet"


def record_refusal(raw_dir: Path, name: str, source: str, refusal: SourceRefused) -> None:
    """Record (replace) the standing refusal of a source."""
    target = refusal_path(raw_dir, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_suffix(".tmp")
    con = duckdb.connect()
    try:
        con.execute(
            f"COPY (SELECT ?::VARCHAR AS source, ?::VARCHAR AS file, ?::VARCHAR AS reason, "
            f"?::TIMESTAMPTZ AS refused_at) TO '{scratch}' (FORMAT parquet)",
            [source, refusal.path, refusal.reason, dt.datetime.now(dt.timezone.utc)],
        )
    finally:
        con.close()
    scratch.replace(target)


def clear_refusal(raw_dir: Path, name: str) -> None:
    """Forget a refusal once the source has been read successfully."""
    refusal_path(raw_dir, name).unlink(missing_ok=True)


def standing_refusals(raw_dir: Path) -> list[tuple[str, str, str, str]]:
    """(source, kind, file, reason) of every refusal that stands: whole sources (``refused_file``)
    and single case files (``refused_case``, refused alone while the other cases went on)."""
    found = []
    with duckdb.connect() as con:
        cases = raw_dir / "cases" / "all" / "refused.parquet"
        if cases.exists():
            found += [("cases", "refused_case", file, reason) for file, reason in
                      con.execute("SELECT file, reason FROM read_parquet(?) ORDER BY file", [str(cases)]).fetchall()]
        sources = sorted(str(p) for p in (raw_dir / "refusals").glob("*.parquet"))
        if sources:
            found += [(source, "refused_file", file, reason) for source, file, reason in con.execute(
                "SELECT source, file, reason FROM read_parquet(?) ORDER BY source, file", [sources]).fetchall()]
    return found
