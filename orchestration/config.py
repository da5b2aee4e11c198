"""All configuration in one place: paths and settings from environment variables.

Every other module asks this one; nothing else reads ``os.environ`` for project settings.
Defaults give the embedded setup (everything under ``data/`` in the project folder).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REPORTS_DIR = PROJECT_ROOT / "reports"

# The development pseudonym key is public (it is in this file); production must set its own.
DEV_PSEUDONYM_KEY = "siw-development-key-not-secret"
# Every asset's owner in the UI, and the Dagster pool of the assets that write the data folder
# (dagster.yaml limits it to one at a time): names every stage uses.
OWNERS = ["team:data-engineering"]
WAREHOUSE_POOL = "warehouse"
# The published database's asset key (the publish stage's asset; the other stages name it by this).
PUBLISHED_ASSET = ["publish", "report_database"]
# The engines dbt can build the warehouse on (profiles.yml has a target of each name).
ENGINES = ("duckdb", "spark")
# Every setting that changes what a refresh publishes, how or where it is built: a refresh after a
# change of one of them is never skipped as "nothing changed" (operations/fingerprint.py).
RESULT_SETTINGS = ("SIW_QUARANTINE_THRESHOLD", "SIW_MAX_COMPLETED_SHRINK", "SIW_PSEUDONYM_KEY", "SIW_REPORT",
                   "SIW_ENGINE", "SIW_STUDY", "SIW_ENV", "SIW_GIT_SHA", "SIW_DUCKDB_MEMORY", "SIW_SPARK_MASTER",
                   "SIW_SPARK_DRIVER_MEMORY", "SIW_SPARK_WAREHOUSE")

# Every input of the output in the project: the code, the dbt project, the suites, the report's
# pages, sources, scripts and packages, the study definitions and the lock files.
INPUTS = ("orchestration", "dbt_project", "expectations", "reports", "studies", "requirements.lock")
# What runs write inside those folders (build output, logs, installed packages), never an input.
NOT_INPUTS = ("dbt_project/target", "dbt_project/logs", "dbt_project/dbt_packages", "reports/node_modules",
              "reports/build", "reports/.evidence", "reports/.build.lock")


def input_files(root: Path = PROJECT_ROOT) -> Iterator[Path]:
    """The project's input files under ``root``, in a stable order (excluded folders are not walked)."""
    skipped = {root / p for p in NOT_INPUTS}
    for name in INPUTS:
        top = root / name
        if top.is_file():
            yield top
            continue
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and here / d not in skipped)
            yield from (here / f for f in sorted(files) if here / f not in skipped and not f.endswith(".pyc"))


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one process."""

    landing_dir: Path
    data_dir: Path
    pseudonym_key: bytes
    quarantine_threshold: float
    max_completed_shrink: float
    automation_on: bool
    build_report: bool
    alert_webhook: str | None
    dagster_url: str
    environment: str
    engine: str
    duckdb_memory: str
    spark_master: str
    spark_driver_memory: str
    spark_warehouse_dir: Path  # Spark's managed tables, one parquet folder each: <schema>.db/<table>/
    study_path: Path | None  # SIW_STUDY; None: the project's own study definitions (study.md)
    git_sha: str | None  # SIW_GIT_SHA: the commit a deployment runs (None: ask git)
    dagster_home: Path

    @property
    def spark_dir(self) -> Path:
        """Spark's metastore, warehouse and scratch (local mode; profiles.yml)."""
        return self.data_dir / "spark"

    @property
    def raw_dir(self) -> Path:
        """Engine-neutral raw layer: parquet files per source (and wave)."""
        return self.data_dir / "raw"

    @property
    def warehouse_path(self) -> Path:
        """The working DuckDB warehouse that dbt builds."""
        return self.data_dir / "warehouse.duckdb"

    @property
    def engine_warehouse(self) -> Path:
        """Where the engine's warehouse is: the DuckDB file, or Spark's folder of tables."""
        return self.warehouse_path if self.engine == "duckdb" else self.spark_warehouse_dir

    @property
    def published_dir(self) -> Path:
        return self.data_dir / "published"

    @property
    def published_path(self) -> Path:
        """The published database that stakeholders and the report read."""
        return self.published_dir / "report.duckdb"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's artifacts of this data folder: the parse state kept between runs and the last run's."""
        return self.data_dir / "dbt"

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs of the publication gate."""
        return self.data_dir / "data_docs"

    @property
    def work_dir(self) -> Path:
        """Scratch space for transcoded exports and candidate files."""
        return self.data_dir / "work"

    @property
    def report_site_dir(self) -> Path:
        """The built report site (static files; `make report` serves it)."""
        return self.data_dir / "report" / "site"

    @property
    def report_pdf_path(self) -> Path:
        """The printable report (A4 PDF of every page of the site)."""
        return self.data_dir / "report" / "report.pdf"

    @property
    def logs_dir(self) -> Path:
        """The full logs of `make run` refreshes (one file each; the terminal shows a short view)."""
        return self.data_dir / "logs"

    @property
    def landing_is_default(self) -> bool:
        """True when the landing zone is the project's own default (the sample may go there)."""
        return "SIW_LANDING_DIR" not in os.environ


def get_settings() -> Settings:
    """Read the settings from the environment (cheap; call it where needed)."""
    data_dir = Path(os.environ.get("SIW_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    landing_dir = Path(os.environ.get("SIW_LANDING_DIR", data_dir / "landing")).resolve()
    environment = os.environ.get("SIW_ENV", "development")
    engine = os.environ.get("SIW_ENGINE", "duckdb")
    if engine not in ENGINES:
        raise RuntimeError(f"SIW_ENGINE={engine!r} is not one of {', '.join(ENGINES)}")
    memory = os.environ.get("SIW_DUCKDB_MEMORY", "2GB")
    byte_size(memory)  # a malformed bound is refused here, not in the middle of a run
    key = os.environ.get("SIW_PSEUDONYM_KEY", "")
    if not key:
        key = DEV_PSEUDONYM_KEY
    if environment == "production" and key == DEV_PSEUDONYM_KEY:
        raise RuntimeError(
            "SIW_ENV=production needs its own SIW_PSEUDONYM_KEY: the development key is public"
        )
    return Settings(
        landing_dir=landing_dir,
        data_dir=data_dir,
        pseudonym_key=key.encode("utf-8"),
        quarantine_threshold=float(os.environ.get("SIW_QUARANTINE_THRESHOLD", "0.05")),
        # The completed respondents of a wave may shrink by at most this share between two publications.
        max_completed_shrink=float(os.environ.get("SIW_MAX_COMPLETED_SHRINK", "0.2")),
        # Schedules and sensors start running by default; SIW_AUTOMATION=off starts them stopped.
        automation_on=os.environ.get("SIW_AUTOMATION", "on") != "off",
        # `make run` builds the Evidence report too; SIW_REPORT=off stops at the publication.
        build_report=os.environ.get("SIW_REPORT", "on") != "off",
        alert_webhook=os.environ.get("SIW_ALERT_WEBHOOK") or None,
        dagster_url=os.environ.get("SIW_DAGSTER_URL", "http://127.0.0.1:3000").rstrip("/"),
        environment=environment,
        # Where dbt builds the warehouse: duckdb (embedded) or spark (dbt-spark); the publication
        # is a DuckDB file either way.
        engine=engine,
        # DuckDB's memory bound in ingestion and in dbt (profiles.yml reads the same variable):
        # beyond it DuckDB spills to disk, so a national-panel wave stays within the memory aim.
        duckdb_memory=memory,
        # Spark in this process (pyspark local mode; docs/scale-out.md for a cluster).
        spark_master=os.environ.get("SIW_SPARK_MASTER", "local[2]"),
        spark_driver_memory=os.environ.get("SIW_SPARK_DRIVER_MEMORY", "1g"),
        spark_warehouse_dir=Path(os.environ.get("SIW_SPARK_WAREHOUSE", data_dir / "spark" / "warehouse")),
        # The study definition (study.md): which question of an export carries which concept.
        study_path=Path(os.environ["SIW_STUDY"]).resolve() if os.environ.get("SIW_STUDY") else None,
        git_sha=os.environ.get("SIW_GIT_SHA") or None,
        # Dagster's own variable: its instance (run history, schedules) lives there.
        dagster_home=Path(os.environ.get("DAGSTER_HOME") or PROJECT_ROOT / ".dagster_home"),
    )


def byte_size(text: str) -> int:
    """Bytes of a DuckDB memory setting such as "2GB", "500MiB" or "1.5 GB" (DuckDB's units: KB is
    1000 bytes, KiB 1024). By hand: DuckDB reports the setting back only as display text."""
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]i?B|B|bytes)?\s*", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"SIW_DUCKDB_MEMORY={text!r}: expected a size such as 2GB or 500MiB")
    unit = (match.group(2) or "B").upper()
    power = "BKMGT".index(unit[0]) if unit != "BYTES" else 0
    return int(float(match.group(1)) * ((1024 if "I" in unit else 1000) ** power))


def dbt_var(name: str) -> Any:
    """A dbt var as dbt_project.yml declares it (the one place of the settings dbt and Python share)."""
    return _dbt_vars()[name]


@functools.cache  # the dbt project is code: a process reads it once (a code change means a new process)
def _dbt_vars() -> dict[str, Any]:
    import yaml  # dbt's and Dagster's dependency; imported here, where a setting needs it

    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def suppression_limit() -> int:
    """The disclosure limit, the dbt var ``suppression_limit``."""
    return int(dbt_var("suppression_limit"))


# The published tables the publish step writes itself (from the raw layer's records and the run's
# checks); every other published table is a dbt model of models/reporting/.
WRITTEN_AT_PUBLICATION = ("ingestion_issues", "quality_checks", "refresh")


def published_tables() -> tuple[str, ...]:
    """Every table of the publication: the reporting models of dbt's manifest (``make manifest``
    prepares it) and the tables the publish step writes. The one list of them."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {node["name"] for node in manifest["nodes"].values()
              if node["resource_type"] == "model" and node["original_file_path"].startswith("models/reporting/")}
    return tuple(sorted(models | set(WRITTEN_AT_PUBLICATION)))


def result_settings() -> dict[str, str]:
    """The raw values of ``RESULT_SETTINGS`` (unset: empty), as a refresh's fingerprint records them."""
    return {name: os.environ.get(name, "") for name in RESULT_SETTINGS}


def dbt_environment(settings: Settings) -> dict[str, str]:
    """What dbt reads (profiles.yml and the sources' yml), every value resolved here: the yml files
    have no defaults of their own. The ``SIW_DBT_*`` names are derived on every export, never set
    by hand, so a value of one data folder never carries over to another."""
    return {
        "SIW_DATA_DIR": str(settings.data_dir),
        "SIW_ENGINE": settings.engine,
        "SIW_DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),  # Spark's logging configuration is there
        "SIW_DBT_DUCKDB_MEMORY": settings.duckdb_memory,
        "SIW_DBT_SPARK_MASTER": settings.spark_master,
        "SIW_DBT_SPARK_DRIVER_MEMORY": settings.spark_driver_memory,
        "SIW_DBT_SPARK_WAREHOUSE": str(settings.spark_warehouse_dir),
        REBUILD_WAVES: "",
    }


# The waves the wave-keyed models of one dbt build rebuild, a JSON list that the dbt asset sets for
# the build (orchestration/dbt/waves.py, macros/by_wave.sql); empty, as every export leaves it: every wave.
REBUILD_WAVES = "SIW_DBT_REBUILD_WAVES"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set ``values`` in this process's environment (which child processes inherit) for the block."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def export_environment() -> Settings:
    """Put the resolved settings where child processes (dbt) read them, and turn telemetry off."""
    settings = get_settings()
    os.environ.update(dbt_environment(settings))
    for name in ("DO_NOT_TRACK", "DBT_SEND_ANONYMOUS_USAGE_STATS"):
        os.environ.setdefault(name, "1" if name == "DO_NOT_TRACK" else "false")
    # dbt's file log (dbt.log in the run's target folder) at info rather than dbt's debug, which
    # adds every query and connection, about 10,000 JSON lines a build written by dbt's one busy
    # core: 1.5 to 3 s of a 2,300-invited build (BENCHMARKS.md). DBT_LOG_LEVEL_FILE=debug keeps them.
    os.environ.setdefault("DBT_LOG_LEVEL_FILE", "info")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("SEND_ANONYMOUS_USAGE_STATS", "no")
    return settings


def main(argv: list[str]) -> None:
    """``python -m orchestration.config CMD...``: run CMD with the resolved settings exported (how
    `make manifest` runs ``dbt parse``)."""
    export_environment()
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
