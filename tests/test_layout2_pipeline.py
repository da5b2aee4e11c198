"""Layout 2 end to end: the same respondents publish the same numbers in either layout (and in a
landing zone that mixes them), and any SurveyXact survey publishes its generic outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from conftest import query_db
from orchestration import pipeline
from test_layout2 import REAL, study_file

# The published tables whose numbers depend only on the respondents, not on how the export spells them.
SAME_NUMBERS = ("headline_metrics", "innovation_types", "partner_types", "barriers", "enablers", "response",
                "area_metrics", "collaboration_quality", "weights", "segment_differences", "wave_differences",
                "item_segment_differences", "panel_changes")  # the panel: org_id read in both layouts


def refresh(tmp_path: Path, name: str, tree: Path, monkeypatch, waves: dict[str, Path] | None = None) -> Path:
    """Refresh a landing tree of the test's own (``waves`` replaces wave folders) in a data folder of its own."""
    landing, data = tmp_path / name / "landing", tmp_path / name / "data"
    shutil.copytree(tree, landing)
    for wave, folder in (waves or {}).items():
        shutil.rmtree(landing / "survey" / f"wave={wave}")
        shutil.copytree(folder, landing / "survey" / f"wave={wave}")
    monkeypatch.setenv("SIW_LANDING_DIR", str(landing))
    monkeypatch.setenv("SIW_DATA_DIR", str(data))
    assert pipeline.run(allow_sample=False) == 0
    return data


def differences(a: Path, b: Path, table: str) -> int:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        return con.execute(f"SELECT count(*) FROM ((SELECT * FROM a.reporting.{table} EXCEPT ALL "
                           f"SELECT * FROM b.reporting.{table}) UNION ALL (SELECT * FROM b.reporting.{table} "
                           f"EXCEPT ALL SELECT * FROM a.reporting.{table}))").fetchone()[0]


def test_layout_2_and_a_mixed_landing_zone_publish_the_numbers_of_layout_1(sample_build, sample_tree_layout2, dirs,
                                                                          tmp_path, monkeypatch, instance):
    _landing, data1 = sample_build.landing, sample_build.data
    data2 = refresh(tmp_path, "layout2", sample_tree_layout2, monkeypatch)
    mixed = refresh(tmp_path, "mixed", sample_tree_layout2, monkeypatch,
                    {"2020-06": _landing / "survey" / "wave=2020-06"})  # wave 1 layout 1, wave 2 layout 2
    published = [d / "published" / "report.duckdb" for d in (data1, data2, mixed)]
    for table in SAME_NUMBERS:
        rows = query_db(published[0], f"SELECT count(*) FROM reporting.{table}")[0][0]
        assert rows > 0, table
        assert differences(published[0], published[1], table) == 0, table
        assert differences(published[0], published[2], table) == 0, table
    # the sample's layout 2 really is the tool's: short system names, status dummies, s_ questions
    assert {v for (v,) in query_db(published[1], "SELECT DISTINCT variable FROM reporting.codebook")} >= {
        "responde", "stato_4", "closetim", "s_8", "s_13_1"}
    # its "Ved ikke" is 99 in the export and 9 in the metrics (codes of the study definition)
    assert query_db(published[1], "SELECT DISTINCT value_label FROM reporting.codebook WHERE variable = 's_10' "
                                  "AND value = '99'") == [("Ved ikke",)]
    # free text, e-mails and the tool's system variables stop at raw: none reaches staging or beyond
    with duckdb.connect(str(data2 / "warehouse.duckdb"), read_only=True) as con:
        leaked = con.execute("""SELECT DISTINCT a.variable FROM staging.stg_survey__answers a
                                JOIN staging.stg_survey__variables v USING (wave_id, variable)
                                WHERE v.is_system OR v.is_identifying""").fetchall()
        frequencies = {v for (v,) in con.execute("SELECT DISTINCT variable FROM reporting.question_frequencies")
                       .fetchall()}
    assert leaked == [] and not frequencies & {"email", "s_2", "s_19", "stato_4", "responde", "s_4"}
    assert {"s_1", "s_8", "s_13_1", "s_15_1"} <= frequencies


def test_any_survey_publishes_its_generic_outputs_and_names_what_was_not_delivered(dirs, instance, tmp_path,
                                                                                  monkeypatch):
    landing, data = dirs
    shutil.copytree(REAL / "sdu-excel", landing / "survey" / "wave=2018-05", ignore=shutil.ignore_patterns("*.md"))
    case = {"case_id": "to-gange", "title": "Samme partner to gange", "municipality_code": 751,
            "lead": {"name": "Aarhus Kommune", "type": "kommune"},
            "partners": [{"name": "Røde Kors Aarhus", "type": "landsdaekkende_organisation"},
                         {"name": "Røde Kors Aarhus", "type": "landsdaekkende_organisation"}]}
    (landing / "cases").mkdir()
    (landing / "cases" / "to-gange.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("SIW_STUDY", str(study_file(tmp_path, "study: any survey\n")))
    assert pipeline.run(allow_sample=False) == 0
    db = data / "published" / "report.duckdb"
    assert query_db(db, "SELECT * FROM reporting.response") == [("2018-05", "alle", 3, 3, 3, 1.0, 0, 0)]
    for table in ("headline_metrics", "innovation_types", "barriers", "segment_differences", "interviews", "area_metrics"):
        assert query_db(db, f"SELECT count(*) FROM reporting.{table}") == [(0,)], table
    assert query_db(db, "SELECT value, value_label, n, n_base, suppressed FROM reporting.question_frequencies "
                        "WHERE variable = 's_1' ORDER BY value") == [
        ("1", "Option A", None, 3, True), ("2", "Option B", None, 3, True), ("3", "Both A and B", None, 3, True),
        ("4", "Neither", None, 3, True)]
    assert query_db(db, "SELECT count(*) FROM reporting.codebook WHERE variable = 's_3' AND value IS NULL") == [(1,)]
    issues = query_db(db, "SELECT source, kind, rule FROM reporting.ingestion_issues ORDER BY ALL")
    assert ("interviews", "not_delivered", "no interviews/interview_log.xlsx in the landing zone") in issues
    assert ("frame", "not_delivered", "no frame/population_frame.csv in the landing zone") in issues
    assert ("survey", "note", "no respondentid in the export: rows are identified by their line") in issues
    assert ("cases", "note", "to-gange.json names the partner '…' more than once; counted once") in issues
    # the partner named twice counts once, and the refresh was not stopped by a grain test
    assert query_db(db, "SELECT n_partners FROM reporting.cases") == [(1,)]
    assert query_db(db, "SELECT sum(n_links) FROM reporting.case_partnerships") == [(1,)]
