"""The dbt project: a broken input stops everything downstream; docs generate; every node described."""

from __future__ import annotations

import json
import os

import duckdb

from conftest import dbt_by_hand
from orchestration import pipeline
from orchestration.config import DBT_PROJECT_DIR
from orchestration.definitions import defs

def test_a_duplicate_key_past_ingestion_fails_its_test_and_stops_downstream(built, instance, capsys):
    landing, data = built
    published = data / "published" / "report.duckdb"
    before = published.read_bytes()
    respondents = data / "raw/survey/wave=2020-06/respondents.parquet"
    duplicated = respondents.with_suffix(".dup")
    with duckdb.connect() as con:  # not the process-wide default connection, which other tests share
        con.execute(f"COPY (SELECT * FROM read_parquet('{respondents}') UNION ALL "
                    f"(SELECT * FROM read_parquet('{respondents}') WHERE record_status = 'current' LIMIT 1)) "
                    f"TO '{duplicated}' (FORMAT parquet)")
    os.replace(duplicated, respondents)  # a bug in ingestion, simulated: the wave's files are unchanged
    assert pipeline.run(allow_sample=False, force=True) == 1  # the landing files did not change
    err = capsys.readouterr().err
    assert "int_survey__rows" in err and "siw_dbt_assets" in err
    assert published.read_bytes() == before
    failed = [e for e in instance.get_records_for_run(instance.get_runs(limit=1)[0].run_id).records
              if e.event_log_entry.dagster_event and e.event_log_entry.dagster_event.event_type_value
              == "ASSET_CHECK_EVALUATION"
              and not e.event_log_entry.dagster_event.asset_check_evaluation_data.passed]
    names = {e.event_log_entry.dagster_event.asset_check_evaluation_data.check_name for e in failed}
    assert any(name.startswith("unique_combination_int_survey__rows") for name in names)
    materialized = {e.event_log_entry.dagster_event.asset_key.to_user_string()
                    for e in instance.get_records_for_run(instance.get_runs(limit=1)[0].run_id).records
                    if e.event_log_entry.dagster_event
                    and e.event_log_entry.dagster_event.event_type_value == "ASSET_MATERIALIZATION"}
    assert "publish/report_database" not in materialized
    assert "marts/fct_survey_response" not in materialized


def test_a_grain_test_in_slices_finds_a_repeated_answer_in_every_slice(built):
    # fct_answer's grain test runs as four aggregates, by line % 4 (tests/generic/unique_combination.sql):
    # one answer repeated in each slice gives four failures.
    _landing, data = built
    answers = data / "raw/survey/wave=2020-06/answers.parquet"
    repeated = answers.with_suffix(".dup")
    with duckdb.connect() as con:
        base = f"(SELECT wave_id, line FROM read_parquet('{data}/raw/survey/wave=2020-06/respondents.parquet') " \
               "WHERE record_status = 'current' AND statoverall = 4)"
        con.execute(f"""COPY (SELECT * FROM read_parquet('{answers}') UNION ALL
            SELECT * FROM (SELECT a.* FROM read_parquet('{answers}') a SEMI JOIN {base} b USING (wave_id, line)
                           WHERE a.variable = 'q2' AND a.value IS NOT NULL
                           QUALIFY row_number() OVER (PARTITION BY a.line % 4 ORDER BY a.line) = 1))
            TO '{repeated}' (FORMAT parquet)""")
    os.replace(repeated, answers)
    target = data / "dbt_test"
    # the views over this copy's raw files (the copied ones name the session build's folder)
    assert dbt_by_hand(data, target, "run", "--select", "stg_survey__answers", "int_survey__base_answers",
                       "fct_answer").returncode == 0
    run = dbt_by_hand(data, target, "test", "--select", "unique_combination_fct_answer_wave_id__line__variable")
    assert run.returncode == 1 and "Got 4 results, configured to fail if != 0" in run.stdout, run.stdout[-2000:]


def test_docs_generate_covers_every_model(built):
    _landing, data = built
    target = data / "dbt_docs"
    dbt_by_hand(data, target, "docs", "generate").check_returncode()
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    models = {n for n, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    assert models and models <= set(catalog["nodes"])
    for unique_id in models:  # every column the warehouse has is documented
        built_columns = {c.lower() for c in catalog["nodes"][unique_id]["columns"]}
        documented = {c.lower() for c in manifest["nodes"][unique_id]["columns"]}
        assert built_columns <= documented, (unique_id, built_columns - documented)


def test_every_model_and_column_is_described():
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        assert node["description"], node["name"]
        path = DBT_PROJECT_DIR / node["original_file_path"]
        assert node["columns"], f"{node['name']} documents no column ({path})"
        assert all(col["description"] for col in node["columns"].values()), node["name"]


def test_facts_state_and_test_their_grain():
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    tested = {node["attached_node"] for node in manifest["nodes"].values()
              if node["resource_type"] == "test" and node.get("test_metadata", {}).get("name") == "unique_combination"}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "model" and node["name"].startswith("fct_"):
            assert "Grain" in node["description"], node["name"]
            assert unique_id in tested, node["name"]


def test_dbt_error_tests_are_blocking_checks():
    blocking = {spec.name: spec.blocking for assets_def in defs.resolve_asset_graph().assets_defs
                for spec in assets_def.check_specs}
    assert blocking["unique_combination_int_survey__rows_wave_id__line"] is True
    assert blocking["assert_completed_respondents_match_response"] is True
    assert blocking["pandera_survey_contract"] is True
