"""Write-audit-publish: every kind of failing expectation leaves the previous publication unchanged."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from orchestration import pipeline
from orchestration.operations.alerts import failure_reasons
from orchestration.config import EXPECTATIONS_DIR
from orchestration.publish.assets import PUBLISHED_TABLES, STORAGE_VERSION, published_report_database
from orchestration.quality.publication_gate import load_suite, suite_tables

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
    "plausibility": ("response", "UPDATE reporting.response SET n_completed = n_completed // 2",
                     "expect_column_values_to_be_between"),
    "email": ("cases", "UPDATE reporting.cases SET title = 'Skriv til ole.hansen@example.dk' "
              "WHERE case_id = 'aarhus-ensomhed'", "expect_column_values_to_not_match_regex"),
    "phone": ("cases", "UPDATE reporting.cases SET lead_name = 'Ring 86 12 34 56' WHERE case_id = 'aarhus-ensomhed'",
              "expect_column_values_to_not_match_regex"),
    "free_text": ("cases", "UPDATE reporting.cases SET title = repeat('Lang fritekst ', 20) "
                  "WHERE case_id = 'aarhus-ensomhed'", "expect_column_value_lengths_to_be_between"),
}


@pytest.fixture(scope="module")
def good_build(tmp_path_factory, sample_tree):
    """One real run on the sample tree; each test copies its warehouse and publication."""
    root = tmp_path_factory.mktemp("good")
    with pytest.MonkeyPatch.context() as patch, dg.instance_for_test() as instance:
        patch.setenv("SIW_LANDING_DIR", str(sample_tree))
        patch.setenv("SIW_DATA_DIR", str(root))
        patch.setattr(dg.DagsterInstance, "get", staticmethod(lambda: instance))
        assert pipeline.run(allow_sample=False) == 0
    return root


@pytest.fixture
def data(good_build, tmp_path, monkeypatch):
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
    assert set(suite_tables()) == {*PUBLISHED_TABLES, "refresh"}
    assert {"headline_metrics", "innovation_types", "partner_types", "barriers", "enablers", "response",
            "interviews", "cases", "weights", "segment_differences", "wave_differences"} <= set(PUBLISHED_TABLES)
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
    assert (data / "data_docs" / "index.html").exists()
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
