"""Write-audit-publish: the published database that stakeholders and the report read.

The reporting tables are copied from the working warehouse (opened read-only) into a new
DuckDB file, audited there, and only then moved over ``published/report.duckdb`` with an
atomic rename. A failed audit leaves the previous publication byte for byte as it was.
The file is written in storage version v1.4.0 so that Evidence's DuckDB 1.4 driver reads it.
"""


import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from orchestration.config import (OWNERS, PROJECT_ROOT, PUBLISHED_ASSET, WAREHOUSE_POOL, WRITTEN_AT_PUBLICATION, Settings,
                                  get_settings, published_tables)
from orchestration.duck import attach_warehouse, read_warehouse
from orchestration.publish.method_tables import run_check_results, write_ingestion_issues, write_quality_checks
from orchestration.quality.publication_gate import (AFTER_GATE, Gate, SuiteResult, frames, parameters, suite_tables,
                                                   wave_mappings)
from orchestration.warehouse_lock import holding_warehouse_lock

STORAGE_VERSION = "v1.4.0"
# The dbt reporting models, copied from the warehouse (the rest the publish step writes itself).
DBT_TABLES = tuple(t for t in published_tables() if t not in WRITTEN_AT_PUBLICATION)
REGISTRIES = ("survey/wave=*/files.parquet", "interviews/log/files.parquet", "cases/all/files.parquet",
              "frame/current/files.parquet")


def git_sha(settings: Settings) -> str:
    """The commit the pipeline runs from (``SIW_GIT_SHA`` wins; 'unknown' outside a checkout)."""
    if settings.git_sha:
        return settings.git_sha
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def sources_sha256(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> str:
    """One sha256 over the registered landing files the raw layer was built from."""
    globs = [str(raw_dir / pattern) for pattern in REGISTRIES if list(raw_dir.glob(pattern))]
    if not globs:
        return ""
    listing = ", ".join(f"'{g}'" for g in globs)
    return con.execute(f"""
        SELECT sha256(string_agg(path || ':' || sha256, chr(10) ORDER BY path, sha256))
        FROM read_parquet([{listing}], union_by_name = true)""").fetchone()[0]


def build_candidate(settings: Settings, run_id: str) -> Path:
    """Copy the reporting tables and the refresh log into a new DuckDB file; return its path."""
    settings.published_dir.mkdir(parents=True, exist_ok=True)
    candidate = settings.published_dir / f".candidate-{uuid.uuid4().hex}.duckdb"
    con = duckdb.connect()
    try:
        attach_warehouse(con, settings)
        con.execute(f"ATTACH '{candidate}' AS pub (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("CREATE SCHEMA pub.reporting")
        for table in DBT_TABLES:
            con.execute(f"CREATE TABLE pub.reporting.{table} AS SELECT * FROM wh.reporting.{table}")
        write_ingestion_issues(con, "pub.reporting.ingestion_issues", settings.raw_dir)
        # A wave left unweighted (no frame, or a cell it lacks) is part of the ingestion report too.
        con.execute("INSERT INTO pub.reporting.ingestion_issues SELECT DISTINCT 'frame', wave_id, 'unweighted_wave', "
                    "weight_note, 1 FROM pub.reporting.weights WHERE weight_note IS NOT NULL")
        con.execute("CREATE TABLE pub.reporting.refresh (published_at TIMESTAMP, run_id VARCHAR, "
                    "git_sha VARCHAR, sources_sha256 VARCHAR)")
        if settings.published_path.exists():
            con.execute(f"ATTACH '{settings.published_path}' AS prev (READ_ONLY)")
            con.execute("INSERT INTO pub.reporting.refresh SELECT published_at, run_id, git_sha, sources_sha256 "
                        "FROM prev.reporting.refresh")
            con.execute("DETACH prev")
        con.execute("INSERT INTO pub.reporting.refresh VALUES (?, ?, ?, ?)",
                    [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), run_id, git_sha(settings),
                     sources_sha256(con, settings.raw_dir)])
        con.execute("DETACH pub")
    except BaseException:
        con.close()
        candidate.unlink(missing_ok=True)
        raise
    con.close()
    return candidate


def waves_in_warehouse(settings: Settings) -> list[str]:
    """The waves the warehouse holds (every published wave-grid table must cover exactly these)."""
    with read_warehouse(settings) as con:
        return [r[0] for r in con.execute("SELECT wave_id FROM marts.dim_wave ORDER BY wave_id").fetchall()]


def gate_for(settings: Settings, tables: dict) -> Gate:
    """The publication gate of a candidate's tables, with the parameters the warehouse implies."""
    params = parameters(tables, wave_mappings(settings.raw_dir, waves_in_warehouse(settings)),
                        settings.max_completed_shrink)
    return Gate(params, settings.data_docs_dir)


def record_checks(candidate: Path, results: list[SuiteResult], run_checks: list[tuple]) -> pd.DataFrame:
    """Add reporting.quality_checks to the audited candidate (this run's checks and the gate's suites);
    return it for its own suite."""
    rows = run_checks + [("great_expectations", f"gx_{r.table}", f"reporting/{r.table}", r.success, r.evaluated,
                          len(r.failures)) for r in results]
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{candidate}' AS pub")
        write_quality_checks(con, "pub.reporting.quality_checks", rows)
        return con.execute("SELECT * FROM pub.reporting.quality_checks").df()
    finally:
        con.close()


def publish(candidate: Path, target: Path) -> None:
    """Move the audited candidate over the publication atomically (same folder, one rename)."""
    with open(candidate, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(candidate, target)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


PUBLISHED = dg.AssetKey(PUBLISHED_ASSET)


@dg.multi_asset(
    specs=[dg.AssetSpec(
        PUBLISHED,
        deps=[dg.AssetKey(["reporting", t]) for t in DBT_TABLES],
        group_name="publish",
        owners=OWNERS,
        kinds={"duckdb", "great_expectations"},
        skippable=True,
        description="The published database ($SIW_DATA_DIR/published/report.duckdb): the reporting tables, "
                    "validated in a candidate file by the Great Expectations suites and then swapped in atomically.",
    )],
    check_specs=[dg.AssetCheckSpec(f"gx_{table}", asset=PUBLISHED, blocking=True,
                                   description=f"Great Expectations suite expectations/{table}.json on "
                                               f"reporting.{table} of the candidate publication.")
                 for table in suite_tables()],
    can_subset=False,
    pool=WAREHOUSE_POOL,
)
@holding_warehouse_lock
def published_report_database(context: dg.AssetExecutionContext):
    """Write, audit, publish: a failed suite leaves the previous publication as it was."""
    settings = get_settings()
    candidate = build_candidate(settings, context.run_id)
    try:
        tables = frames(candidate, settings.published_path)
        gate = gate_for(settings, tables)
        results = gate.check(tables)
        if all(r.success for r in results):
            # The list of checks is written from the results above, then checked by its own suite.
            written = record_checks(candidate, results, run_check_results(context.instance, context.run_id))
            results += gate.check({table: written for table in AFTER_GATE})
        gate.build_docs()
    except BaseException:
        candidate.unlink(missing_ok=True)
        raise
    checks = [dg.AssetCheckResult(
        check_name=f"gx_{r.table}", passed=r.success, severity=dg.AssetCheckSeverity.ERROR,
        description=r.describe()[:2000],
        metadata={"expectations": r.evaluated, "failed": len(r.failures),
                  "failures": dg.MetadataValue.json(r.failures[:20]),
                  "data_docs": dg.MetadataValue.path(str(settings.data_docs_dir / "index.html"))})
        for r in results]
    if not all(r.success for r in results):
        candidate.unlink(missing_ok=True)
        context.log.error("publication refused; the previous one stays: "
                          + " | ".join(r.describe() for r in results if not r.success))
        yield from checks
        return
    publish(candidate, settings.published_path)
    context.log.info(f"published {settings.published_path}")
    yield dg.MaterializeResult(asset_key=PUBLISHED, check_results=checks, metadata={
        "path": dg.MetadataValue.path(str(settings.published_path)),
        "storage_version": STORAGE_VERSION,
        "data_docs": dg.MetadataValue.path(str(settings.data_docs_dir / "index.html")),
    })
