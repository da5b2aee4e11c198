"""Wave-keyed incremental models: a build rebuilds the waves that changed since the last good build,
and gives the same warehouse as a full refresh (macros/by_wave.sql, orchestration/dbt/waves.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil

import duckdb
import pytest

from orchestration import pipeline
from orchestration.config import REBUILD_WAVES, byte_size, get_settings
from orchestration.dbt.assets import one_node_at_a_time
from orchestration.dbt.waves import RECORD, mark_pending, plan_build, record_good_build
from orchestration.duck import spark_table_query
from orchestration.sample_exports import write_landing_tree
from conftest import dbt_by_hand, published_tables

# --- the plan ------------------------------------------------------------------------------------


def deliver(data, wave: str, content: bytes, name: str = "files.parquet") -> None:
    """A file of a wave's raw set, as the raw step leaves it (its bytes do not count for the plan)."""
    folder = data / "raw" / "survey" / f"wave={wave}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(content)
    # the same bytes get the same modification time: a file put back is as it was
    os.utime(folder / name, ns=(0, 10**18 + int(hashlib.sha256(content).hexdigest()[:12], 16)))


@pytest.fixture
def folder(dirs, tmp_path, monkeypatch):
    """A data folder with two waves and a warehouse file, whose last good build saw them as they are
    (and passed the unit tests: on record in a folder of its own, not the checkout's)."""
    _, data = dirs
    monkeypatch.setattr("orchestration.dbt.waves.UNIT_TESTS_PASSED", tmp_path / "unit-tests-passed")
    deliver(data, "2020-06", b"one")
    deliver(data, "2021-03", b"two")
    (data / "warehouse.duckdb").write_bytes(b"")
    settings = get_settings()
    record_good_build(settings, plan_build(settings))
    return data, settings


def test_a_build_rebuilds_only_the_waves_that_changed_or_went(folder):
    data, settings = folder
    assert plan_build(settings).waves == () and not plan_build(settings).full_refresh
    assert plan_build(settings).args == ["--exclude-resource-type", "unit_test"]  # the first good build ran them
    deliver(data, "2021-03", b"two, re-delivered")
    deliver(data, "2022-01", b"three")
    assert plan_build(settings).waves == ("2021-03", "2022-01")
    assert plan_build(settings).env == {REBUILD_WAVES: '["2021-03", "2022-01"]'}
    deliver(data, "2020-06", b"answers", name="answers.parquet")  # any file of the set counts
    assert plan_build(settings).waves == ("2020-06", "2021-03", "2022-01")
    record_good_build(settings, plan_build(settings))
    shutil.rmtree(data / "raw" / "survey" / "wave=2020-06")
    assert plan_build(settings).waves == ("2020-06",)  # a wave gone is deleted


def test_without_a_good_build_a_new_project_or_a_warehouse_the_build_is_a_full_refresh(folder, monkeypatch):
    data, settings = folder
    assert plan_build(settings, full_refresh=True).args == ["--full-refresh", "--exclude-resource-type", "unit_test"]
    (data / "warehouse.duckdb").unlink()
    assert plan_build(settings).full_refresh
    (data / "warehouse.duckdb").write_bytes(b"")
    with monkeypatch.context() as patch:
        patch.setattr("orchestration.dbt.waves.project_digest", lambda: "models changed")
        assert plan_build(settings).full_refresh
    (data / "dbt" / RECORD).write_text("{not json")
    plan = plan_build(settings)
    assert plan.full_refresh and plan.waves is None and plan.env == {REBUILD_WAVES: ""}


def test_the_unit_tests_run_until_a_good_build_of_the_code_on_the_engine_passed_them(folder, tmp_path, monkeypatch):
    _, settings = folder  # its good build passed them
    monkeypatch.setenv("SIW_DATA_DIR", str(tmp_path / "new"))
    assert plan_build(get_settings()).args == ["--full-refresh", "--exclude-resource-type", "unit_test"]
    with monkeypatch.context() as patch:
        patch.setattr("orchestration.dbt.waves.project_digest", lambda: "models changed")
        assert plan_build(get_settings()).args == ["--full-refresh"]
        mark_pending(get_settings(), plan_build(get_settings()))  # ... and the build fails
        assert plan_build(get_settings()).unit_tests
    monkeypatch.setenv("SIW_ENGINE", "spark")
    assert plan_build(get_settings()).args == ["--full-refresh"]
    record_good_build(get_settings(), plan_build(get_settings()))
    assert not plan_build(get_settings()).unit_tests
    lock = tmp_path / "checkout" / "requirements.lock"  # other packages: dbt or an adapter updated
    lock.parent.mkdir()
    lock.write_text("dbt-core==0.0.0\n")
    monkeypatch.setattr("orchestration.dbt.waves.PROJECT_ROOT", lock.parent)
    assert plan_build(get_settings()).unit_tests and plan_build(settings).unit_tests


def test_a_build_that_did_not_pass_leaves_its_waves_to_the_next_one(folder):
    data, settings = folder
    deliver(data, "2021-03", b"bad")
    started = plan_build(settings)
    mark_pending(settings, started)  # ... and the build fails: nothing records it as good
    deliver(data, "2021-03", b"two")  # the raw set goes back to the recorded one
    assert plan_build(settings).waves == ("2021-03",)  # still rebuilt and tested
    mark_pending(settings, plan_build(settings, full_refresh=True))
    assert plan_build(settings).waves is None  # a full build that failed: every wave, next time
    record_good_build(settings, plan_build(settings))
    assert plan_build(settings).waves == ()


def test_a_wave_id_that_sql_cannot_quote_safely_is_refused(folder):
    data, settings = folder
    deliver(data, "2020'; drop table x; --", b"evil")
    with pytest.raises(ValueError, match="a wave id may hold only"):
        plan_build(settings)


def test_dbt_runs_one_node_at_a_time_when_the_raw_survey_set_is_large_for_the_memory_bound(folder, monkeypatch):
    data, _ = folder
    deliver(data, "2021-03", b"x" * 4000, name="answers.parquet")
    for bound, serial in (("40KB", False), ("30KB", True)):  # an eighth of 40KB is 5,000 bytes: more than the raw set
        monkeypatch.setenv("SIW_DUCKDB_MEMORY", bound)
        assert one_node_at_a_time(get_settings(), plan_build(get_settings())) is serial
    monkeypatch.setenv("SIW_ENGINE", "spark")  # Spark's memory is not DuckDB's bound
    assert not one_node_at_a_time(get_settings(), plan_build(get_settings()))


def test_the_memory_bound_reads_as_duckdb_reads_it_and_a_malformed_one_is_refused(monkeypatch):
    assert [byte_size(text) for text in ("2GB", "200MB", "1.5 GiB", "512KiB", "100")] == [
        2 * 10**9, 2 * 10**8, 3 * 2**29, 2**19, 100]
    monkeypatch.setenv("SIW_DUCKDB_MEMORY", "lots")
    with pytest.raises(ValueError, match="SIW_DUCKDB_MEMORY='lots'"):
        get_settings()


def test_a_spark_table_partitioned_by_wave_reads_in_its_contract_order_even_without_rows(tmp_path):
    with duckdb.connect() as con:
        table = tmp_path / "fct_enabler"
        for wave in ("2020-06", "2021-03"):  # as Spark writes it: the partition column is a folder
            (table / f"wave_id={wave}").mkdir(parents=True)
            con.execute(f"COPY (SELECT 7 AS line, 'k' AS respondent_key, 'e' AS enabler_key, 4 AS enabler_score, "
                        f"false AS enabler_dont_know, true AS enabler_high) "
                        f"TO '{table}/wave_id={wave}/part-0.parquet' (FORMAT parquet)")
        rows = con.execute(spark_table_query("marts", table) + " ORDER BY ALL").fetchall()
        assert rows == [("2020-06", 7, "k", "e", 4, False, True), ("2021-03", 7, "k", "e", 4, False, True)]
        for folder in table.iterdir():  # every wave dropped: no file is left to read the columns from
            shutil.rmtree(folder)
        empty = con.execute(spark_table_query("marts", table))
        assert empty.fetchall() == [] and [d[0] for d in empty.description][:2] == ["wave_id", "line"]


# --- real builds ---------------------------------------------------------------------------------


def warehouse_tables(path) -> dict[str, list]:
    """Every table of the built layers, rows sorted (two equal warehouses compare equal)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() "
                            "WHERE schema_name IN ('intermediate', 'marts', 'reporting')").fetchall()
        return {f"{s}.{t}": con.execute(f"SELECT * FROM {s}.{t} ORDER BY ALL").fetchall() for s, t in names}


def full_refresh(data) -> None:
    """`dbt build --full-refresh` by hand on the data folder ``data``."""
    run = dbt_by_hand(data, data / "dbt" / "by-hand", "build", "--full-refresh")
    assert run.returncode == 0, run.stdout[-3000:]


def last_log(data) -> str:
    return max((data / "logs").glob("refresh-*.log")).read_text(encoding="utf-8")


@pytest.mark.slow  # four refreshes of the sample and a full dbt build: minutes (make test-all)
def test_a_redelivered_wave_is_rebuilt_alone_and_a_failed_build_is_caught_up(built, tmp_path):
    landing, data = built
    record = json.loads((data / "dbt" / RECORD).read_text())
    assert record["pending"] == [] and set(record["waves"]) == {"2020-06", "2021-03"}
    before = published_tables(data / "published" / "report.duckdb")
    # One wave re-delivered: only it is rebuilt, and the warehouse is the one a full refresh gives.
    other = write_landing_tree(tmp_path / "other", invited=400, seed=8, layout=1)
    shutil.rmtree(landing / "survey" / "wave=2021-03")
    shutil.copytree(other / "survey" / "wave=2021-03", landing / "survey" / "wave=2021-03")
    assert pipeline.run(allow_sample=False) == 0
    log = last_log(data)
    assert "dbt build: waves rebuilt: 2021-03\n" in log  # with the profile's threads
    # the unit tests ran in the full refresh of this code (the fixture's first build), not again
    assert re.search(r"^Finished running .* data tests, .* view models", log, re.MULTILINE)
    assert not re.search(r"^Finished running .*unit test", log, re.MULTILINE)
    incremental = warehouse_tables(data / "warehouse.duckdb")
    by_hand = tmp_path / "by-hand"
    shutil.copytree(data, by_hand)
    full_refresh(by_hand)
    assert incremental == warehouse_tables(by_hand / "warehouse.duckdb")
    assert incremental["marts.fct_barrier"] and incremental["intermediate.int_survey__clean_answers"]
    redelivered = published_tables(data / "published" / "report.duckdb")
    assert redelivered != before
    # A raw set that passes staging's tests but fails a wave-keyed model's (a row twice): the build
    # stops after that model was built, and publishes nothing ...
    good = tmp_path / "good-raw"
    shutil.copytree(data / "raw" / "survey" / "wave=2021-03", good)
    raw = data / "raw" / "survey" / "wave=2021-03"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM '{good}/respondents.parquet' UNION ALL "
                    f"(SELECT * FROM '{good}/respondents.parquet' ORDER BY line LIMIT 1)) "
                    f"TO '{raw}/respondents.parquet' (FORMAT parquet)")
        con.execute(f"COPY (SELECT * REPLACE (now() AS read_at) FROM '{good}/files.parquet') "
                    f"TO '{raw}/files.parquet' (FORMAT parquet)")
    assert pipeline.run(allow_sample=False, force=True) == 1
    assert "unique_combination_int_survey__rows_wave_id__line" in last_log(data)
    assert published_tables(data / "published" / "report.duckdb") == redelivered
    # ... and when the raw set is back as the last good build saw it, the wave is still rebuilt and
    # tested: the failed build's rows do not stay in the warehouse.
    shutil.rmtree(raw)
    shutil.copytree(good, raw)
    assert pipeline.run(allow_sample=False, force=True) == 0
    assert "dbt build: waves rebuilt: 2021-03" in last_log(data)
    assert warehouse_tables(data / "warehouse.duckdb") == incremental
    assert json.loads((data / "dbt" / RECORD).read_text())["pending"] == []
