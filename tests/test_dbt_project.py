"""The dbt project: a broken input stops everything downstream; docs generate; every node described."""

from __future__ import annotations

import json
import os

import dagster as dg
import duckdb

from conftest import dbt_by_hand
from orchestration import pipeline
from orchestration.config import DBT_PROJECT_DIR, get_settings
from orchestration.dbt.assets import PARSE_STATE, run_target
from orchestration.dbt.row_rules import folded_tests, folds_of_selection
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


def check_results(instance) -> dict[str, tuple[bool, dict]]:
    """Each check of the instance's last run: passed, and its metadata's values."""
    run = instance.get_runs(limit=1)[0]
    return {data.check_name: (data.passed, {k: v.value for k, v in data.metadata.items()})
            for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
            for data in [record.event_log_entry.dagster_event.asset_check_evaluation_data]}


def test_a_failing_row_rule_fails_its_own_check_and_stops_downstream(built, instance):
    # Each model's not_null, accepted_values and within_range tests run as one row_rules test
    # (tests/generic/row_rules.sql); each still passes or fails its own check.
    _landing, data = built
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    _folds, every_rule = folded_tests(manifest)
    results = check_results(instance)  # the session's build
    assert every_rule and all(results[rule][0] for rule in every_rule)
    assert results["not_null_fct_answer_line"][1]["folded into"] == "row_rules_fct_answer_"
    published = data / "published" / "report.duckdb"
    before = published.read_bytes()
    respondents = data / "raw/survey/wave=2020-06/respondents.parquet"
    changed = respondents.with_suffix(".bad")
    with duckdb.connect() as con:  # a record status that no rule accepts, on one row
        con.execute(f"COPY (SELECT * REPLACE (CASE WHEN line = (SELECT min(line) FROM read_parquet('{respondents}')) "
                    f"THEN 'bogus' ELSE record_status END AS record_status) FROM read_parquet('{respondents}')) "
                    f"TO '{changed}' (FORMAT parquet)")
    os.replace(changed, respondents)
    assert pipeline.run(allow_sample=False, force=True) == 1
    results = check_results(instance)
    rule = "accepted_values_stg_survey__respondents_record_status__current__superseded__quarantined"
    assert {name for name, (passed, _) in results.items() if not passed} == {"row_rules_stg_survey__respondents_", rule}
    assert results[rule][1]["dagster_dbt/failed_row_count"] == 1  # dbt's own test: one value not accepted
    for other in ("not_null_stg_survey__respondents_line", "accepted_values_stg_survey__respondents_org_key_source__org_id__org_name"):
        assert results[other][0] and "folded into" not in results[other][1]  # run on their own, and passed
    assert "row_rules_fct_answer_" not in results  # downstream: skipped
    assert published.read_bytes() == before


def test_every_row_rule_is_folded_into_the_row_rules_test_of_its_node():
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    folds, every_rule = folded_tests(manifest)
    assert len(every_rule) > 200 and {rule for rules in folds.values() for rule in rules} == every_rule
    names = [node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"]
    assert len(names) == len(set(names))  # a check is found by its test's name
    # A build folds when each rule it selects comes with its row_rules test (a rule run on its own does not).
    name, rules = "row_rules_fct_answer_", folds["row_rules_fct_answer_"]
    assert folds_of_selection(manifest, {name, *rules, "unique_combination_int_survey__rows_wave_id__line"}) == {name: rules}
    assert folds_of_selection(manifest, {name, *rules, *folds["row_rules_dim_wave_"][:1]}) == {}
    assert folds_of_selection(manifest, set(rules)) == {}
    assert folds_of_selection(manifest, {name, *rules[1:]}) == {name: rules[1:]}  # the rules not selected: no check


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


def test_a_data_folders_parse_state_serves_the_same_dbt_project_only(dirs):
    """dbt partial-parses from the folder's last state only when the project is the one that state
    was parsed from; else it parses everything, as dbt's partial parsing can fail on a change."""
    settings = get_settings()
    with run_target(settings, "first", "code-a") as (target, parse_args):
        assert parse_args == ["--no-partial-parse"]  # a new folder: no state
        (target / PARSE_STATE).write_bytes(b"state of code-a")  # as dbt leaves it
    with run_target(settings, "second", "code-a") as (target, parse_args):
        assert parse_args == [] and (target / PARSE_STATE).read_bytes() == b"state of code-a"
    assert not (settings.dbt_target_dir / "run-first").exists()  # only the last run's artifacts stay
    with run_target(settings, "third", "code-b") as (target, parse_args):
        assert parse_args == ["--no-partial-parse"] and not (target / PARSE_STATE).exists()
        (target / PARSE_STATE).write_bytes(b"state of code-b")
    with run_target(settings, "fourth", "code-a") as (target, parse_args):  # back to a: b's state is not a's
        assert parse_args == ["--no-partial-parse"]
    with run_target(settings, "fifth", "code-b") as (target, parse_args):
        assert parse_args == [] and (target / PARSE_STATE).read_bytes() == b"state of code-b"
