"""`make run`'s path for real: a Dagster instance, dbt, DuckDB and the published file."""

from __future__ import annotations

import json
import os
import re
import shutil

import dagster as dg
import duckdb
import pytest

from orchestration import pipeline
from orchestration.ingest.assets import raw_survey
from orchestration.operations.console import KEEP_LOGS, logged_to_file
from conftest import query_db


def published(data):
    con = duckdb.connect(str(data / "published" / "report.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM reporting.{t} ORDER BY ALL").fetchall()
                for t in ("response", "interviews", "cases", "refresh")}
    finally:
        con.close()


def test_full_run_publishes_and_a_rerun_skips_unchanged_waves(dirs, sample_tree, instance, capsys):
    landing, data = dirs
    shutil.copytree(sample_tree, landing, dirs_exist_ok=True)
    assert pipeline.run(allow_sample=False) == 0
    first = published(data)
    alle = [r for r in first["response"] if r[1] == "alle"]
    assert [r[0] for r in alle] == ["2020-06", "2021-03"]
    assert all(r[2] > 0 and 0 < r[5] < 1 for r in alle)
    assert first["interviews"] and first["cases"] and len(first["refresh"]) == 1
    # The terminal gets a short view (a line per step, where the results are); the full log a file.
    out = capsys.readouterr().out
    assert "published database:" in out and len(out.splitlines()) < 30 and "DEBUG" not in out
    for step in ("survey waves", "case files", "interview log", "dbt models and tests", "publication gate"):
        assert re.search(rf"^  ok +{step}.* s   \d", out, re.MULTILINE), (step, out)
    survey = instance.get_latest_materialization_event(dg.AssetKey(["raw", "survey", "respondents"]))
    metadata = survey.asset_materialization.metadata
    read, quarantined = (sum(v.value for k, v in metadata.items() if k.endswith(f"/{name}"))
                         for name in ("rows_read", "rows_quarantined"))
    assert re.search(rf"survey waves .* {read:,} rows read, {quarantined:,} rows quarantined", out), out
    (log,) = (data / "logs").glob("refresh-*.log")
    assert f"full log: {log}" in out
    # dbt's tables carry their row count (read from the warehouse once dbt is done); views carry none.
    warehouse = data / "warehouse.duckdb"
    for layer, model, view in (("marts", "fct_survey_response", False), ("reporting", "headline_metrics", False),
                               ("intermediate", "int_survey__base_answers", True)):
        metadata = instance.get_latest_materialization_event(
            dg.AssetKey([layer, model])).asset_materialization.metadata
        rows = query_db(warehouse, f"SELECT count(*) FROM {layer}.{model}")[0][0]
        assert metadata.get("dagster/row_count") == (None if view else dg.IntMetadataValue(rows)), model
    full = log.read_text(encoding="utf-8")
    assert "STEP_SUCCESS" in full and re.search(r"^\d+ of \d+ OK created sql table model", full, re.MULTILINE)
    # The same files, code and settings again: nothing to do, nothing is run.
    runs = len(instance.get_runs())
    assert pipeline.run(allow_sample=False) == 0
    assert "nothing changed since the refresh" in capsys.readouterr().out
    assert len(instance.get_runs()) == runs and len(published(data)["refresh"]) == 1
    # Forced, with a case file that lacks its id: waves are skipped by sha256, the numbers stay, one
    # more refresh is logged, and the case file is refused alone, named with the field it lacks.
    case = json.loads(next((landing / "cases").glob("*.json")).read_text(encoding="utf-8"))
    del case["case_id"]
    (landing / "cases" / "zz_no_id.json").write_text(json.dumps(case), encoding="utf-8")
    assert pipeline.run(allow_sample=False, force=True) == 0
    assert (f"refused (cases): {landing / 'cases' / 'zz_no_id.json'}: lacks the required field case_id"
            in capsys.readouterr().err)
    second = published(data)
    assert second["response"] == first["response"] and len(second["refresh"]) == 2
    assert second["cases"] == first["cases"]
    assert query_db(data / "published" / "report.duckdb", "SELECT rule FROM reporting.ingestion_issues "
                    "WHERE kind = 'refused_case'") == [("zz_no_id.json lacks the required field case_id",)]
    skipped = [e for e in instance.get_event_records(dg.EventRecordsFilter(
        event_type=dg.DagsterEventType.ASSET_MATERIALIZATION, asset_key=dg.AssetKey(["raw", "survey", "respondents"])))]
    assert any("skipped" in r.asset_materialization.metadata for r in skipped)
    # dbt started from the parse state this data folder kept: no full parse of the project, and only
    # the last run's artifacts stay (in the data folder, not in the project); dbt.log is at info
    # level by default, with none of the queries (nor the debug line that says the parse was skipped)
    (run,) = (data / "dbt").glob("run-*")
    log = "".join(p.read_text(encoding="utf-8") for p in run.glob("dbt.log*"))  # dbt rotates it at 10 MB
    assert "Unable to do partial parsing" not in log and "Found " in log and '"SQLQuery"' not in log


def test_a_refused_wave_stops_the_run_and_keeps_the_publication(built, instance, capsys):
    landing, data = built
    before = (data / "published" / "report.duckdb").read_bytes()
    (landing / "survey/wave=2020-06/labels.csv").unlink()
    assert pipeline.run(allow_sample=False) == 1
    err = capsys.readouterr().err
    assert "pandera_survey_contract" in err and "labels.csv" in err and "is missing" in err
    assert re.search(r"^refused \(survey\): .*wave=2020-06.*labels\.csv", err, re.MULTILINE), err
    assert (data / "published" / "report.duckdb").read_bytes() == before


def test_the_survey_check_shows_the_refusal_in_dagster(dirs, instance):
    landing, data = dirs
    (landing / "survey/wave=2020-06").mkdir(parents=True)
    (landing / "survey/wave=2020-06/dataset.csv").write_text("respondentid\n1\n")
    instance.add_dynamic_partitions("survey_waves", ["2020-06"])
    result = dg.materialize([raw_survey], partition_key="2020-06", instance=instance, raise_on_error=False)
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert not evaluation.passed and "structure.csv" in evaluation.metadata["file"].value
    assert not (data / "raw/survey/wave=2020-06").exists()


def test_sample_is_written_only_into_the_default_landing_zone(tmp_path, monkeypatch):
    monkeypatch.delenv("SIW_LANDING_DIR", raising=False)
    monkeypatch.setenv("SIW_DATA_DIR", str(tmp_path / "data"))
    from orchestration.config import get_settings
    settings = get_settings()
    pipeline.ensure_landing(settings, allow_sample=True)
    assert (tmp_path / "data/landing/survey/wave=2020-06/dataset.csv").exists()
    monkeypatch.setenv("SIW_LANDING_DIR", str(tmp_path / "mine"))
    with pytest.raises(SystemExit, match="is empty"):
        pipeline.ensure_landing(get_settings(), allow_sample=True)
    assert not (tmp_path / "mine").exists()


def test_the_full_log_takes_the_output_and_only_the_newest_logs_stay(tmp_path, capsys):
    logs = tmp_path / "logs"
    logs.mkdir()
    for i in range(KEEP_LOGS + 5):
        old = logs / f"refresh-old-{i:02d}.log"
        old.write_text("old")
        os.utime(old, (i, i))
    with logged_to_file(logs) as (path, console):
        print("a line of Dagster's or dbt's")
        os.system("echo a line of a subprocess")  # noqa: S605 - the descriptors, not just sys.stdout
        console.say("a line of the short view")
    kept = sorted(p.name for p in logs.glob("refresh-*.log"))
    assert len(kept) == KEEP_LOGS and path.name in kept and "refresh-old-05.log" not in kept
    assert "refresh-old-06.log" in kept
    assert path.read_text() == "a line of Dagster's or dbt's\na line of a subprocess\na line of the short view\n"
    assert capsys.readouterr().out == "a line of the short view\n"
