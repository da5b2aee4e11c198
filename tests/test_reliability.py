"""Reliability: fuzzed exports, kills at any point, runs at once, and no personal data downstream."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import (answered_row, assert_warehouse_steps_serialised, fetch, phase, published_tables, refresh_once,
                      start_run, write_wave)
from orchestration.config import PROJECT_ROOT
from orchestration.ingest.cases import read_cases
from orchestration.errors import SourceRefused
from orchestration.ingest.interviews import read_interview_log
from orchestration.ingest.survey import WaveReader
from orchestration.sample_exports import survey_variables

FUZZ = settings(max_examples=40, deadline=dt.timedelta(seconds=30), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def mutate(data: bytes, kind: str, position: float, payload: bytes) -> bytes:
    """One kind of damage to an export's bytes."""
    at = int(len(data) * position)
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        return data[:at] + payload + data[at:]
    if kind == "overwrite":
        return data[:at] + payload + data[at + len(payload):]
    if kind == "empty":
        return b""
    if kind == "utf16":
        return data.decode("cp1252", "replace").encode("utf-16")
    if kind == "swap_delimiter":
        return data.replace(b";", b",")
    if kind == "huge_field":
        return data[:at] + b'"' + b"x" * 5_000_000 + b'"' + data[at:]
    return data


damage = st.tuples(st.sampled_from(["truncate", "insert", "overwrite", "empty", "utf16", "swap_delimiter",
                                    "huge_field"]),
                   st.floats(0, 1), st.binary(min_size=1, max_size=64))


# Cut at the very end: the input as written, so every fuzz test also runs its accepted branch.
UNDAMAGED = ("truncate", 1.0, b"x")


def fresh(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fuzz")
    return root / "landing", root / "data"


def assert_accepted_or_refused(read, raw_target: Path, check_accepted) -> None:
    """Either the contract accepts the input and ``check_accepted`` finds what was read in the raw
    layer, or it is refused with a file and a reason and nothing is written."""
    try:
        result = read()
    except SourceRefused as refusal:
        assert refusal.path and refusal.reason
        assert not raw_target.exists() or not any(raw_target.iterdir())
        return
    check_accepted(result, raw_target)


def raw_rows(path: Path, sql: str = "SELECT count(*) FROM t") -> list[tuple]:
    """``sql`` over one raw parquet file, named ``t``."""
    return fetch(f"WITH t AS (SELECT * FROM read_parquet('{path}')) {sql}")


def wave_was_read(result, raw_target: Path) -> None:
    """An accepted wave: every row read is in the raw layer once, with the status the result counted."""
    assert result.rows_read > 0
    counts = dict(raw_rows(raw_target / "respondents.parquet", "SELECT record_status, count(*) FROM t GROUP BY ALL"))
    assert sum(counts.values()) == result.rows_read
    assert counts.get("superseded", 0) == result.rows_superseded
    assert counts.get("quarantined", 0) == result.rows_quarantined
    assert raw_rows(raw_target / "respondents.parquet", "SELECT count(DISTINCT line) FROM t") == [(result.rows_read,)]
    lines = raw_rows(raw_target / "answers.parquet", "SELECT count(DISTINCT line) FROM t")[0][0]
    assert lines <= result.rows_read


@FUZZ
@given(damage=damage, target=st.sampled_from(["dataset.csv", "structure.csv", "labels.csv"]))
@example(damage=UNDAMAGED, target="dataset.csv")
def test_fuzzed_csv_export(tmp_path_factory, damage, target):
    landing, data = fresh(tmp_path_factory)
    folder = write_wave(landing / "survey/wave=2020-06", [answered_row(i) for i in range(1, 30)])
    (folder / target).write_bytes(mutate((folder / target).read_bytes(), *damage))
    reader = WaveReader("2020-06", folder, data / "raw", data / "work", b"k", 0.05)
    assert_accepted_or_refused(reader.read, data / "raw/survey/wave=2020-06", wave_was_read)


@FUZZ
@given(columns=st.lists(st.sampled_from(survey_variables()), min_size=1, max_size=90))
@example(columns=survey_variables())
def test_fuzzed_columns_dropped_or_duplicated(tmp_path_factory, columns):
    landing, data = fresh(tmp_path_factory)
    folder = write_wave(landing / "survey/wave=2020-06", [answered_row(1), answered_row(2)], columns=columns)
    reader = WaveReader("2020-06", folder, data / "raw", data / "work", b"k", 0.05)

    def both_rows_read(result, raw_target):
        wave_was_read(result, raw_target)
        assert result.rows_read == 2  # the columns changed, not the rows
        assert raw_rows(raw_target / "respondents.parquet", "SELECT list(respondentid ORDER BY line) FROM t") == [
            ([1, 2],)]

    assert_accepted_or_refused(reader.read, data / "raw/survey/wave=2020-06", both_rows_read)


def workbook_bytes(tmp_path: Path) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Interviews"
    book.active.append(["Interview-ID", "Dato", "Interviewer", "Navn", "E-mail", "Telefon", "Organisation",
                        "Sektor", "Rolle", "Temaer", "Varighed (min)", "Samtykke", "Status"])
    book.active.append(["I-001", dt.datetime(2020, 6, 1), "AB", "Ole", "o@x.dk", "12345678", "KL", "Kommune",
                        "Leder", "Innovation", 30, "Ja", "Gennemført"])
    book.save(tmp_path / "w.xlsx")
    return (tmp_path / "w.xlsx").read_bytes()


def log_was_read(result, raw_target: Path) -> None:
    """An accepted log: its one interview, read whole (a damaged workbook that opens is the same book)."""
    assert result.rows_read == 1
    assert raw_rows(raw_target / "interviews.parquet", "SELECT interview_id, sector FROM t") == [("I-001", "kommune")]


@FUZZ
@given(damage=damage)
@example(damage=UNDAMAGED)
def test_fuzzed_interview_workbook(tmp_path_factory, damage):
    landing, data = fresh(tmp_path_factory)
    landing.mkdir(parents=True)
    path = landing / "interview_log.xlsx"
    path.write_bytes(mutate(workbook_bytes(landing), *damage))
    assert_accepted_or_refused(lambda: read_interview_log(path, data / "raw", b"k"), data / "raw/interviews/log",
                               log_was_read)


@FUZZ
@given(damage=damage)
@example(damage=UNDAMAGED)
def test_fuzzed_excel_survey_export(tmp_path_factory, sample_tree, damage):
    landing, data = fresh(tmp_path_factory)
    folder = landing / "survey/wave=2021-03"
    folder.mkdir(parents=True)
    source = sample_tree / "survey/wave=2021-03/dataset.xlsx"
    (folder / "dataset.xlsx").write_bytes(mutate(source.read_bytes(), *damage))
    reader = WaveReader("2021-03", folder, data / "raw", data / "work", b"k", 0.05)
    assert_accepted_or_refused(reader.read, data / "raw/survey/wave=2021-03", wave_was_read)


@FUZZ
@given(damage=damage)
@example(damage=UNDAMAGED)
def test_fuzzed_case_file(tmp_path_factory, sample_tree, damage):
    landing, data = fresh(tmp_path_factory)
    landing.mkdir(parents=True)
    path = landing / "case.json"
    path.write_bytes(mutate((sample_tree / "cases/aarhus-ensomhed.json").read_bytes(), *damage))
    result = read_cases([path], data / "raw")  # a bad case is refused alone, never raised
    assert len(result.accepted) + len(result.refused) == 1
    cases = raw_rows(data / "raw/cases/all/cases.parquet", "SELECT case_id FROM t")
    refused = raw_rows(data / "raw/cases/all/refused.parquet", "SELECT file, reason FROM t")
    if result.accepted:  # what was read is in the raw layer, and only that
        assert cases == [(result.accepted[0]["case_id"],)] and refused == []
    else:
        assert cases == [] and refused == [(str(path), result.refused[0]["reason"])] and refused[0][1]


# --- kill and rerun ---------------------------------------------------------------------------


@pytest.fixture
def run_env(dirs, sample_tree, tmp_path, monkeypatch):
    """The environment of `make run` in a process of its own, and the Dagster instance those runs use."""
    landing, data = dirs
    shutil.copytree(sample_tree, landing, dirs_exist_ok=True)
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # dagster.yaml's storage is under $DAGSTER_HOME, here too
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(home)) as instance:  # creates the storage the runs then share
        yield {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}, data, instance


@pytest.mark.slow  # refreshes in processes of their own, killed and rerun: minutes (make test-all)
def test_killed_runs_converge_and_never_show_a_partial_publication(run_env, sample_build):
    env, data, instance = run_env
    published = data / "published" / "report.duckdb"
    seen_broken: list[str] = []
    stop = threading.Event()

    def watch():  # a reader that opens the publication whenever it can, all the time
        while not stop.is_set():
            if published.exists():
                try:
                    tables = published_tables(published)
                    if not tables["response"]:
                        seen_broken.append("empty response")
                except duckdb.Error as error:
                    seen_broken.append(str(error))
            stop.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    killed_in, killed_runs = [], []
    for target in ("ingestion", "dbt", "publish"):
        process = start_run(env)
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            if phase(instance) == target:
                os.killpg(process.pid, signal.SIGKILL)
                killed_in.append(target)
                killed_runs.append(instance.get_runs(limit=1)[0].run_id)
                break
            with contextlib.suppress(subprocess.TimeoutExpired):  # a pause that ends when the run does
                process.wait(timeout=0.05)
        process.wait(timeout=60)
    final = start_run(env)
    assert final.wait(timeout=600) == 0
    stop.set()
    watcher.join(timeout=10)
    assert seen_broken == []
    assert set(killed_in) >= {"ingestion", "dbt"}, killed_in  # publish is short; it is killed when caught
    # every killed run is marked failed (by the refresh after it), and the last run succeeded
    assert [instance.get_run_by_id(r).status for r in killed_runs] == [dg.DagsterRunStatus.FAILURE] * len(killed_runs)
    assert instance.get_runs(limit=1)[0].status == dg.DagsterRunStatus.SUCCESS
    # the same publication as a clean refresh of the same files (the session's, made in-process)
    assert published_tables(published) == published_tables(sample_build.published)


@pytest.mark.slow  # refreshes in processes of their own, killed and rerun: minutes (make test-all)
def test_two_runs_at_once_overlap_and_serialise_on_the_warehouse(run_env, tmp_path, sample_build):
    env, data, instance = run_env
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    runs = [start_run(env, log) for log in logs]
    for run, log in zip(runs, logs, strict=True):
        assert run.wait(timeout=900) == 0, log.read_text(errors="replace")[-3000:]
    con = duckdb.connect()
    con.execute(f"ATTACH '{data / 'published/report.duckdb'}' AS pub (READ_ONLY)")
    assert con.execute("SELECT count(*) FROM pub.reporting.refresh").fetchone()[0] == 2
    con.close()
    records = instance.get_run_records()
    assert len(records) == 2 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    (a, b) = sorted(records, key=lambda r: r.start_time)
    assert b.start_time < a.end_time, "the second run started after the first had ended: no overlap was tested"
    # ... and yet the steps that write the warehouse never ran at the same time
    assert_warehouse_steps_serialised(instance, [r.dagster_run.run_id for r in records])
    # and a clean refresh of the same files publishes the same bits as the session's
    assert published_tables(data / "published" / "report.duckdb") == published_tables(sample_build.published)



@pytest.mark.slow  # a second refresh of 3,500 invited: a minute (make test-all)
def test_two_clean_refreshes_of_a_larger_tree_publish_the_same_bits(tmp_path, large_tree, large_build):
    """Weighted sums and secondary suppressions over thousands of rows do not depend on thread scheduling."""
    again = refresh_once(tmp_path / "again", large_tree)
    first, second = published_tables(large_build.published), published_tables(again.published)
    assert first == second
    # and what was compared holds the columns at risk: weighted doubles and secondary suppressions
    con = duckdb.connect(str(again.published), read_only=True)
    try:
        assert con.execute("SELECT count(weighted_share) FROM reporting.headline_metrics").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM reporting.area_metrics WHERE secondary_suppressed").fetchone()[0] > 0
    finally:
        con.close()


# --- personal data ----------------------------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def personal_values(landing: Path) -> set[str]:
    """Every name, e-mail, phone, organisation name and id and free-text answer in the landing files."""
    values: set[str] = set()
    import csv
    import io
    text = (landing / "survey/wave=2020-06/dataset.csv").read_bytes().decode("cp1252")
    for row in csv.DictReader(io.StringIO(text, newline=""), delimiter=";"):
        values |= {row["org_name"], row["org_id"], row["contact_email"], row["q13_open"], row["q14_open"]}
        values |= set(EMAIL.findall(row["q13_open"]))
    book = openpyxl.load_workbook(landing / "interviews/interview_log.xlsx", read_only=True)
    rows = list(book["Interviews"].iter_rows(values_only=True))
    for row in rows[1:]:
        # the expert's name, e-mail and phone (their employer, e.g. "KL", is an institution, not a person)
        values |= {str(row[3]), str(row[4]), str(row[5])}
    public = set()  # organisations named in a case are public by contract, whoever else uses the name
    for path in (landing / "cases").glob("*.json"):
        case = json.loads(path.read_text(encoding="utf-8"))
        values |= {case["contact"]["name"], case["contact"]["email"], case["contact"]["phone"], case["summary"]}
        public |= {case["lead"]["name"], *(p["name"] for p in case.get("partners", []))}
    return {v.strip() for v in values if v and len(v.strip()) >= 6} - public


def test_no_personal_data_in_marts_publication_or_event_log(built, instance):
    landing, data = built
    secrets = personal_values(landing)
    assert len(secrets) > 100
    haystacks = {}
    for database in (data / "warehouse.duckdb", data / "published" / "report.duckdb"):
        con = duckdb.connect()
        con.execute(f"ATTACH '{database}' AS db (READ_ONLY)")
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'db' "
                             "AND schema_name IN ('marts', 'reporting')").fetchall()
        for schema, table in tables:
            rows = con.execute(f"SELECT * FROM db.{schema}.{table}").fetchall()
            haystacks[f"{database.name}:{schema}.{table}"] = "\n".join("\t".join(map(str, r)) for r in rows)
        con.close()
    events = [entry for run in instance.get_runs() for entry in instance.all_logs(run.run_id)]
    assert events
    haystacks["dagster event log"] = "\n".join(
        f"{entry.user_message}\t{entry.dagster_event!r}"
        for entry in events)
    assert len(haystacks) > 20
    leaks = [(place, secret) for place, text in haystacks.items() for secret in secrets if secret in text]
    assert leaks == []
