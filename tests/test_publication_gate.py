"""Write-audit-publish: every kind of failing expectation leaves the previous publication unchanged."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.errors import SourceRefused
from orchestration.refusals import record_refusal
from orchestration.operations.alerts import failure_reasons
from conftest import query_db
from orchestration.config import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT, published_tables
from orchestration.publish.assets import DBT_TABLES, STORAGE_VERSION, published_report_database
from orchestration.quality.publication_gate import AFTER_GATE, Gate, load_suite, suite_tables

TAMPERING = {
    "shape": ("cases", "ALTER TABLE reporting.cases ADD COLUMN extra INTEGER",
              "expect_table_columns_to_match_ordered_list"),
    "keys": ("response", "INSERT INTO reporting.response SELECT * FROM reporting.response LIMIT 1",
             "expect_compound_columns_to_be_unique"),
    "range": ("headline_metrics", "UPDATE reporting.headline_metrics SET share = 1.5, ci_high = 1.6 "
              "WHERE metric = 'innovation' AND segment = 'alle'", "expect_column_values_to_be_between"),
    "interval": ("partner_types", "UPDATE reporting.partner_types SET ci_low = share + 0.01 WHERE NOT suppressed",
                 "expect_column_pair_values_a_to_be_greater_than_b"),
    "score": ("barriers", "UPDATE reporting.barriers SET mean_score = 6 WHERE barrier = 'gdpr'",
              "expect_column_values_to_be_between"),
    "completeness": ("innovation_types", "DELETE FROM reporting.innovation_types WHERE innovation_type = 'andet' "
                     "AND segment = 'forening'", "expect_table_row_count_to_equal"),
    "suppression": ("headline_metrics", "UPDATE reporting.headline_metrics SET n_base = 3 "
                    "WHERE metric = 'skuffeide' AND segment = 'forening'", "expect_column_values_to_be_null"),
    # one region hidden (and marked secondary) beside shown ones: the country's total minus them gives it
    "derivable": ("area_metrics", "UPDATE reporting.area_metrics SET suppressed = true, secondary_suppressed = true, "
                  "n_yes = NULL, share = NULL, ci_low = NULL, ci_high = NULL WHERE area_level = 'region' "
                  "AND region_navn = 'Region Hovedstaden' AND metric = 'innovation'",
                  "expect_column_values_to_be_in_set(derivable)"),
    # the panel: a small cell shown, a hidden association cell beside shown municipal services and alle,
    # and a test called significant that is not
    "panel_suppression": ("panel_changes", "UPDATE reporting.panel_changes SET n_pairs = 3 "
                          "WHERE metric = 'innovation' AND segment = 'forening'", "expect_column_values_to_be_null"),
    "panel_derivable": ("panel_changes", "UPDATE reporting.panel_changes SET suppressed = true, "
                        "secondary_suppressed = true, n_yes_from = NULL, n_yes_to = NULL, n_yes_both = NULL, "
                        "share_from = NULL, share_to = NULL, persistence = NULL, persistence_ci_low = NULL, "
                        "persistence_ci_high = NULL, mcnemar_p = NULL, significant = false "
                        "WHERE metric = 'innovation' AND segment = 'forening'",
                        "expect_column_values_to_be_in_set(derivable)"),
    "panel_test": ("panel_changes", "UPDATE reporting.panel_changes SET significant = true "
                   "WHERE metric = 'innovation' AND segment = 'alle'", "expect_column_values_to_be_in_set"),
    "plausibility": ("response", "UPDATE reporting.response SET n_completed = n_completed // 2",
                     "expect_column_values_to_be_between"),
    "email": ("cases", "UPDATE reporting.cases SET title = 'Skriv til ole.hansen@example.dk' "
              "WHERE case_id = 'aarhus-ensomhed'", "expect_column_values_to_not_match_regex"),
    "phone": ("cases", "UPDATE reporting.cases SET lead_name = 'Ring 86 12 34 56' WHERE case_id = 'aarhus-ensomhed'",
              "expect_column_values_to_not_match_regex"),
    "free_text": ("cases", "UPDATE reporting.cases SET title = repeat('Lang fritekst ', 20) "
                  "WHERE case_id = 'aarhus-ensomhed'", "expect_column_value_lengths_to_be_between"),
}


@pytest.fixture
def data(sample_build, tmp_path, monkeypatch):
    """The session build's warehouse and publication, copied (each test changes them)."""
    good_build = sample_build.data
    target = tmp_path / "data"
    (target / "published").mkdir(parents=True)
    shutil.copy(good_build / "warehouse.duckdb", target / "warehouse.duckdb")
    shutil.copy(good_build / "published" / "report.duckdb", target / "published" / "report.duckdb")
    # the gate reads what each wave maps from the raw layer the warehouse was built from
    shutil.copytree(good_build / "raw", target / "raw")
    monkeypatch.setenv("SIW_DATA_DIR", str(target))
    return target


def publish(instance) -> dg.ExecuteInProcessResult:
    return dg.materialize([published_report_database], instance=instance, raise_on_error=False)


def test_every_published_table_has_a_versioned_suite():
    assert set(suite_tables()) == set(published_tables())
    assert {"headline_metrics", "innovation_types", "partner_types", "barriers", "enablers", "response",
            "interviews", "cases", "weights", "segment_differences", "wave_differences"} <= set(DBT_TABLES)
    assert {"ingestion_issues", "quality_checks", "refresh"} == set(published_tables()) - set(DBT_TABLES)
    # and the report has an Evidence source of each
    sources = {p.stem for p in (PROJECT_ROOT / "reports" / "sources" / "siw").glob("*.sql")}
    assert set(published_tables()) <= sources, set(published_tables()) - sources
    for table in suite_tables():
        assert load_suite(table).expectations, table
    assert all(p.suffix == ".json" for p in EXPECTATIONS_DIR.iterdir())


def test_a_passing_publication_is_swapped_in_with_its_refresh_row(data, instance):
    before = (data / "published/report.duckdb").read_bytes()
    result = publish(instance)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    assert (data / "published/report.duckdb").read_bytes() != before
    con = duckdb.connect(str(data / "published/report.duckdb"), read_only=True)
    try:
        refresh = con.execute("SELECT run_id FROM reporting.refresh ORDER BY published_at").fetchall()
    finally:
        con.close()
    assert refresh[-1][0] == result.run_id and len(refresh) == 2
    # the Data Docs (built once per gate) hold this run's validation of every suite
    index = (data / "data_docs" / "index.html").read_text(encoding="utf-8")
    for table in suite_tables():
        pages = list((data / "data_docs" / "validations" / "reporting" / table).rglob("*.html"))
        assert len(pages) == 1, table  # this gate's (the data folder was copied without docs)
        assert f"validations/reporting/{table}/" in index, table
    assert not list((data / "published").glob(".candidate-*"))


def test_storage_is_readable_by_duckdb_1_4(data, instance):
    publish(instance)
    header = (data / "published/report.duckdb").read_bytes()[:20]
    # DuckDB's file header: magic at bytes 8-12, then the storage version number: 67 is v1.4.0
    # (what Evidence's DuckDB 1.4 reads); duckdb 2.0's own default is 999.
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 67, STORAGE_VERSION


@pytest.mark.parametrize("kind", sorted(TAMPERING))
def test_each_failing_kind_leaves_the_old_publication(data, instance, kind):
    table, statement, expectation = TAMPERING[kind]
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    con.execute(statement)
    con.close()
    before = (data / "published/report.duckdb").read_bytes()
    result = publish(instance)
    assert not result.success
    failed = {e.check_name: e for e in result.get_asset_check_evaluations() if not e.passed}
    assert set(failed) == {f"gx_{table}"}, failed.keys()
    description = failed[f"gx_{table}"].description
    assert f"suite reporting.{table} failed" in description and expectation in description
    assert (data / "published/report.duckdb").read_bytes() == before
    assert not list((data / "published").glob(".candidate-*"))
    # what `make run` prints: the suite, the expectation and the failing values
    (reason,) = [r for r in failure_reasons(result.all_events) if r.startswith("check ")]
    assert f"gx_{table}" in reason and expectation in reason and "failing values" in reason


def test_a_reader_keeps_the_old_publication_while_a_new_one_lands(data, instance):
    reader = duckdb.connect(str(data / "published/report.duckdb"), read_only=True)
    old = reader.execute("SELECT count(*) FROM reporting.refresh").fetchone()[0]
    con = duckdb.connect(str(data / "warehouse.duckdb"))
    con.execute("UPDATE reporting.response SET n_invited = n_invited + 1")
    con.close()
    assert publish(instance).success  # the reader's open file does not block the publication
    assert reader.execute("SELECT count(*) FROM reporting.refresh").fetchone()[0] == old
    reader.close()
    fresh = duckdb.connect(str(data / "published/report.duckdb"), read_only=True)
    assert fresh.execute("SELECT count(*) FROM reporting.refresh").fetchone()[0] == old + 1
    fresh.close()


def test_quality_checks_list_every_check_of_the_refresh(sample_build):
    """The method page's reporting.quality_checks: each pandera check, dbt test and suite of the run
    that published, all passed, with what each evaluated."""
    rows = query_db(sample_build.published, "SELECT stage, check_name, target, passed, n_evaluated, n_failed "
                                            "FROM reporting.quality_checks")
    assert all(passed and failed == 0 and evaluated > 0 for _s, _c, _t, passed, evaluated, failed in rows)
    by_stage: dict[str, set] = {}
    for stage, check, target, *_ in rows:
        by_stage.setdefault(stage, set()).add((check, target))
    assert set(by_stage) == {"pandera", "dbt", "great_expectations"}
    # every suite but the one of this very table, which checks it after it is written
    assert by_stage["great_expectations"] == {(f"gx_{t}", f"reporting/{t}") for t in suite_tables()
                                              if t not in AFTER_GATE}
    suites = {c: n for s, c, _t, _p, n, _f in rows if s == "great_expectations"}
    assert suites["gx_headline_metrics"] == len(load_suite("headline_metrics").expectations)
    assert {t for _c, t in by_stage["pandera"]} >= {"raw/survey/respondents", "raw/interviews/interviews",
                                                     "raw/cases/cases"}
    # every dbt test of the manifest that tests one model ran as a check of that model
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    tests = {node["name"] for node in manifest["nodes"].values()
             if node["resource_type"] == "test" and len(node["depends_on"]["nodes"]) == 1
             and node["depends_on"]["nodes"][0].startswith("model.")}
    assert tests and tests <= {c for c, _t in by_stage["dbt"]}


def test_an_ingestion_report_that_would_publish_an_e_mail_is_refused(data, instance):
    """The ingestion report is written at publish time from the raw layer's records; its suite stops
    one that carries personal data (a reason the masking did not cover)."""
    record_refusal(data / "raw", "interviews", "interviews",
                   SourceRefused(data / "interview_log.xlsx", "row 3 names ole.hansen@example.dk"))
    before = (data / "published/report.duckdb").read_bytes()
    result = publish(instance)
    failed = {e.check_name for e in result.get_asset_check_evaluations() if not e.passed}
    assert not result.success and failed == {"gx_ingestion_issues"}
    assert (data / "published/report.duckdb").read_bytes() == before


def test_the_list_of_checks_has_its_own_suite(sample_build, tmp_path):
    """reporting.quality_checks is checked after the suites it lists: it fails on a suite recorded as
    failed and on a check listed twice, and passes as the refresh wrote it."""
    written = query_db(sample_build.published, "SELECT * FROM reporting.quality_checks", frame=True)
    gate = Gate({}, tmp_path / "docs")
    (clean,) = gate.check({"quality_checks": written})
    assert clean.success and clean.evaluated == len(load_suite("quality_checks").expectations)
    failed = written.copy()
    failed.loc[failed.index[failed.stage == "great_expectations"][0], "passed"] = False
    twice = pd.concat([written, written.head(1)], ignore_index=True)
    (one, two) = Gate({}, tmp_path / "docs2").check({"quality_checks": failed}) + Gate(
        {}, tmp_path / "docs3").check({"quality_checks": twice})
    assert not one.success and [f["kind"] for f in one.failures] == ["plausibility"]
    assert not two.success and [f["expectation"] for f in two.failures] == ["expect_compound_columns_to_be_unique"]
    assert written.check_name.iloc[0] in str(two.failures[0]["values"])  # a sample of what failed, for the alert
