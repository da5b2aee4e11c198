"""Shared fixtures: temporary landing zones and data folders, small exports made in the test, and one
refresh of the sample tree for the whole session (``sample_build``) that tests read or copy."""

from __future__ import annotations

import csv
import math
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration import pipeline
from orchestration.config import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.publish.assets import DBT_TABLES
from orchestration.sample_exports import survey_labels, survey_structure, survey_variables, write_landing_tree

STRUCTURE_HEADER = ["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue",
                    "choiceText"]


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """A landing zone and a data folder of the test's own, set in the environment."""
    landing, data = tmp_path / "landing", tmp_path / "data"
    landing.mkdir()
    data.mkdir()
    monkeypatch.setenv("SIW_LANDING_DIR", str(landing))
    monkeypatch.setenv("SIW_DATA_DIR", str(data))
    # The report build (about a minute) runs only in the tests about the report.
    monkeypatch.setenv("SIW_REPORT", "off")
    return landing, data


@pytest.fixture(scope="session")
def sample_tree(tmp_path_factory) -> Path:
    """A small layout-1 sample landing tree from the generator (read-only for tests)."""
    return write_landing_tree(tmp_path_factory.mktemp("sample") / "landing", invited=400, seed=7, layout=1)


@pytest.fixture(scope="session")
def sample_tree_layout2(tmp_path_factory) -> Path:
    """The same respondents as ``sample_tree``, written as SurveyXact writes them (layout 2)."""
    return write_landing_tree(tmp_path_factory.mktemp("sample2") / "landing", invited=400, seed=7, layout=2)


def answered_row(respondentid: int, **values) -> dict:
    """A completed respondent with a valid answer in every coded variable."""
    row = {v: "" for v in survey_variables()}
    for var in survey_variables():
        if var.startswith(("q1_", "q3_", "q7_", "q10_")):
            row[var] = "0"
        elif var.startswith(("q9_", "q11_")) or var in ("q5", "q8"):
            row[var] = "4"
        elif var in ("q2", "q4", "q6", "q12"):
            row[var] = "1"
    row.update({"respondentid": str(respondentid), "statoverall": "4", "started": "12-06-2020 10:00:00",
                "submitted": "12-06-2020 10:20:00", "org_type": "1", "org_name": "Røde Kors Odder",
                "contact_email": "ole@example.dk", "geo_scope": "1", "kommune": "751", "staff_size": "2",
                "volunteer_size": "3", "q13_open": "Ring til Ole på 12 34 56 78"})
    row.update({k: str(v) for k, v in values.items()})
    return row


def write_wave(folder: Path, rows: list[dict], encoding: str = "cp1252", delimiter: str = ";",
               columns: list[str] | None = None) -> Path:
    """Write a three-file CSV export of ``rows`` (dicts by variable) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    columns = columns or survey_variables()
    tables = {
        "dataset.csv": [columns] + [[row.get(c, "") for c in columns] for row in rows],
        "structure.csv": [STRUCTURE_HEADER + [""]] + [r + [""] for r in survey_structure()],
        "labels.csv": survey_labels(),
    }
    for name, records in tables.items():
        with open(folder / name, "w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(records)
    return folder


@dataclass(frozen=True)
class Build:
    """A landing tree refreshed by ``make run``'s path: its landing zone, data folder and Dagster home."""

    landing: Path
    data: Path
    home: Path

    @property
    def published(self) -> Path:
        return self.data / "published" / "report.duckdb"


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory, sample_tree) -> Build:
    """One refresh (no report) of ``sample_tree`` for the session. Read it, never write it: a test that
    changes data takes a copy (``built``)."""
    return refresh_once(tmp_path_factory.mktemp("sample_build"), sample_tree)


@pytest.fixture(scope="session")
def large_tree(tmp_path_factory) -> Path:
    """A tree of 3,500 invited (the size at which primary suppression alone left municipalities derivable)."""
    return write_landing_tree(tmp_path_factory.mktemp("large") / "landing", invited=3500, seed=1)


@pytest.fixture(scope="session")
def large_build(tmp_path_factory, large_tree) -> Build:
    """One refresh (no report) of ``large_tree`` for the session; read it, never write it."""
    return refresh_once(tmp_path_factory.mktemp("large_build"), large_tree)


def refresh_once(root: Path, tree: Path) -> Build:
    """A copy of the landing ``tree`` under ``root`` refreshed once (no report), on an instance of its own."""
    build = Build(root / "landing", root / "data", root / "dagster_home")
    shutil.copytree(tree, build.landing)
    build.home.mkdir()
    with pytest.MonkeyPatch.context() as env, project_instance(build.home) as inst:
        env.setenv("SIW_LANDING_DIR", str(build.landing))
        env.setenv("SIW_DATA_DIR", str(build.data))
        env.setenv("SIW_REPORT", "off")
        env.setattr(dg.DagsterInstance, "get", staticmethod(lambda: inst))
        assert pipeline.run(allow_sample=False) == 0
    return build


def project_instance(home: Path):
    """A test instance in ``home`` on the storage dagster.yaml names (``orchestration.instance_storage.SqliteStorage``)."""
    storage = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text(encoding="utf-8"))["storage"]
    storage["custom"]["config"]["base_dir"] = str(home)
    return dg.instance_for_test(temp_dir=str(home), overrides={"storage": storage})


@pytest.fixture
def instance(request, tmp_path, monkeypatch):
    """A Dagster instance of the test's own; for a test that takes ``built``, a copy of the session build's."""
    home = tmp_path / "dagster_home"
    if "built" in request.fixturenames:
        shutil.copytree(request.getfixturevalue("sample_build").home, home)
    else:
        home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with project_instance(home) as inst:
        monkeypatch.setattr(dg.DagsterInstance, "get", staticmethod(lambda: inst))
        yield inst


@pytest.fixture
def built(dirs, sample_build, instance):
    """A copy of the session's sample build (landing zone, data folder, instance) the test may change."""
    landing, data = dirs
    shutil.copytree(sample_build.landing, landing, dirs_exist_ok=True)
    shutil.copytree(sample_build.data, data, dirs_exist_ok=True)
    return landing, data


DBT = str(Path(sys.executable).parent / "dbt")


def dbt_by_hand(data: Path, target: Path, *args: str) -> subprocess.CompletedProcess:
    """A dbt command on the data folder ``data`` in the project's environment, its artifacts and log in ``target``."""
    env = {**os.environ, "SIW_DATA_DIR": str(data), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "orchestration.config", DBT, *args, "--profiles-dir", ".",
                           "--target-path", str(target), "--log-path", str(target)],
                          cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)


def query_db(path: Path, sql: str, frame: bool = False):
    """Run sql on a DuckDB file attached read-only (rows, or a pandas frame)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS db (READ_ONLY)")
        con.execute("USE db")
        result = con.execute(sql)
        return result.df() if frame else result.fetchall()
    finally:
        con.close()


def fetch(sql: str) -> list[tuple]:
    """The rows of ``sql`` on a connection of its own (never DuckDB's process-wide default one)."""
    with duckdb.connect() as con:
        return con.execute(sql).fetchall()


# --- refreshes in processes of their own ------------------------------------------------------


def start_run(env: dict, log: Path | None = None, *args: str) -> subprocess.Popen:
    """`make run` (``orchestration.pipeline --no-sample``) in a process group of its own; its output goes
    to ``log`` (kept for a failure's message)."""
    with open(log or os.devnull, "wb") as out:  # the child keeps its own copy of the handle
        return subprocess.Popen([sys.executable, "-m", "orchestration.pipeline", "--no-sample", *args],
                                cwd=PROJECT_ROOT, env=env, start_new_session=True, stdout=out,
                                stderr=subprocess.STDOUT)


def published_tables(path: Path) -> dict[str, list]:
    """Every published table but ``refresh`` (which names its run and time), rows sorted: two
    publications of the same landing files compare equal with ``==``, every double bit for bit."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{path}' AS pub (READ_ONLY)")
        names = [name for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'pub' "
            "AND table_schema = 'reporting' AND table_name <> 'refresh' ORDER BY 1").fetchall()]
        assert set(DBT_TABLES) <= set(names), names
        return {t: con.execute(f"SELECT * FROM pub.reporting.{t} ORDER BY ALL").fetchall() for t in names}
    finally:
        con.close()


# The step each stage of a refresh runs in (the op names of the assets that write the warehouse).
STAGES = {"published_report_database": "publish", "siw_dbt_assets": "dbt"}


def phase(instance: dg.DagsterInstance, run_id: str | None = None) -> str | None:
    """The stage a run (by default the latest) is in: that of the last step it started, from its events."""
    run = instance.get_run_by_id(run_id) if run_id else next(iter(instance.get_runs(limit=1)), None)
    if run is None or run.is_finished:
        return None
    started = instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.STEP_START).records
    if not started:
        return None
    step = started[-1].event_log_entry.step_key or ""
    return STAGES.get(step, "ingestion" if step.startswith("raw_") else None)


def assert_warehouse_steps_serialised(instance: dg.DagsterInstance, run_ids: list[str]) -> None:
    """The steps that write the warehouse (dbt, publish) of these runs never ran at the same time."""
    spans: dict[str, list[tuple[float, float]]] = {}
    for run_id in run_ids:
        times: dict[str, list[float]] = {}
        for event in instance.get_records_for_run(run_id).records:
            entry = event.event_log_entry
            if entry.step_key in STAGES and entry.dagster_event and entry.dagster_event.event_type_value in (
                    "STEP_START", "STEP_SUCCESS"):
                times.setdefault(entry.step_key, []).append(entry.timestamp)
        for step, stamps in times.items():
            spans.setdefault(step, []).append((min(stamps), max(stamps)))
    for step, intervals in spans.items():
        assert len(intervals) == len(run_ids), (step, intervals)
        ordered = sorted(intervals)
        for (_start_a, end_a), (start_b, _end_b) in zip(ordered, ordered[1:]):
            assert end_a <= start_b, (step, ordered)


# --- p-values recomputed with scipy -----------------------------------------------------------


def pooled_p(yes_one: int, base_one: int, yes_two: int, base_two: int) -> float:
    """The two-sided p of the pooled two-proportion z-test, from scipy's normal distribution."""
    from scipy.stats import norm

    pooled = (yes_one + yes_two) / (base_one + base_two)
    z = (yes_one / base_one - yes_two / base_two) / math.sqrt(pooled * (1 - pooled) * (1 / base_one + 1 / base_two))
    return float(2 * norm.sf(abs(z)))


def published_and_scipy_p(published: Path) -> list[tuple[str, float, float]]:
    """(row, published p_value, scipy's p) of every tested difference of a publication: segments
    (municipal services minus associations) and consecutive waves, from the published counts."""
    counts = {(w, s, m): (y, b) for w, s, m, y, b in query_db(
        published, "SELECT wave_id, segment, metric, n_yes, n_base FROM reporting.headline_metrics "
                   "WHERE NOT suppressed")}
    pairs = [(f"segments {w} {m}", p, counts[(w, "kommunalt_tilbud", m)], counts[(w, "forening", m)])
             for w, m, p in query_db(published, "SELECT wave_id, metric, p_value FROM reporting.segment_differences "
                                                "WHERE p_value IS NOT NULL")]
    pairs += [(f"waves {a}-{b} {s} {m}", p, counts[(b, s, m)], counts[(a, s, m)])
              for s, m, a, b, p in query_db(published, "SELECT segment, metric, wave_from, wave_to, p_value "
                                                       "FROM reporting.wave_differences WHERE p_value IS NOT NULL")]
    return [(name, p, pooled_p(*one, *two)) for name, p, one, two in pairs]


def default_signals() -> None:
    """A child's signal dispositions as a terminal or a service manager gives them (``preexec_fn``).

    Something in the test process (an in-process Dagster run) leaves SIGTERM ignored, and an ignored
    signal stays ignored across exec: `make` would then never pass a SIGTERM on."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
