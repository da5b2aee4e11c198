"""Scale-out: the same dbt project built on Spark (dbt-spark, pyspark local mode) publishes the
same numbers as on DuckDB, table for table (floats to 1e-9), through the same pipeline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import fetch, published_and_scipy_p
from orchestration.config import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.publish.assets import DBT_TABLES
from orchestration.sample_exports import write_landing_tree

# A Spark session and a refresh on it: minutes (make test-all).
pytestmark = pytest.mark.slow
TOLERANCE = 1e-9
# What Spark and Derby leave in the working directory when nobody tells them otherwise.
STRAY = ("metastore_db", "spark-warehouse", "derby.log")


def refresh(landing: Path, data: Path, engine: str) -> subprocess.CompletedProcess:
    """One `make run`-style refresh (report off) of ``landing`` into ``data`` on ``engine``."""
    home = data.parent / f"dagster-{engine}"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_bytes((PROJECT_ROOT / "dagster.yaml").read_bytes())
    env = {**os.environ, "SIW_LANDING_DIR": str(landing), "SIW_DATA_DIR": str(data), "DAGSTER_HOME": str(home),
           "SIW_ENGINE": engine, "SIW_REPORT": "off", "SIW_AUTOMATION": "off", "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run([sys.executable, "-m", "orchestration.pipeline", "--no-sample"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def both(sample_build, tmp_path_factory):
    """The sample tree refreshed on each engine: (duckdb data folder, spark data folder). The DuckDB side
    is the session's sample build. Spark's first refreshes the tree with another delivery of one wave,
    then the sample's own delivery of it, so that the tables compared are those of an incremental
    build (macros/by_wave.sql: dropped partitions and insert_overwrite) on top of a full one."""
    root = tmp_path_factory.mktemp("parity")
    stray_before = {name for name in STRAY for folder in (PROJECT_ROOT, DBT_PROJECT_DIR) if (folder / name).exists()}
    landing, spark = root / "landing", root / "spark" / "data"
    shutil.copytree(sample_build.landing, landing)
    wave = landing / "survey" / "wave=2021-03"
    shutil.rmtree(wave)
    shutil.copytree(write_landing_tree(root / "other", invited=400, seed=8, layout=1) / wave.relative_to(landing), wave)
    for delivery in ("another", "the sample's"):
        if delivery == "the sample's":
            shutil.rmtree(wave)
            shutil.copytree(sample_build.landing / wave.relative_to(landing), wave)
        run = refresh(landing, spark, "spark")
        assert run.returncode == 0, f"spark refresh of {delivery} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}"
    log = max((spark / "logs").glob("refresh-*.log")).read_text(encoding="utf-8")
    assert "dbt build: waves rebuilt: 2021-03" in log
    stray_after = {name for name in STRAY for folder in (PROJECT_ROOT, DBT_PROJECT_DIR) if (folder / name).exists()}
    return sample_build.data, spark, stray_after - stray_before


def published_frame(data: Path, table: str) -> pd.DataFrame:
    con = duckdb.connect(str(data / "published" / "report.duckdb"), read_only=True)
    try:
        return con.execute(f"SELECT * FROM reporting.{table}").df()
    finally:
        con.close()


def test_spark_built_the_warehouse_in_its_own_folder(both):
    duck, spark, stray = both
    assert (duck / "warehouse.duckdb").exists() and not (duck / "spark").exists()
    assert not (spark / "warehouse.duckdb").exists()
    tables = {p.name for p in (spark / "spark" / "warehouse" / "reporting.db").iterdir()}
    assert set(DBT_TABLES) <= tables
    assert (spark / "spark" / "metastore_db").is_dir()
    assert not stray, f"Spark left {stray} in the working directory"


@pytest.mark.parametrize("table", DBT_TABLES)
def test_every_reporting_table_is_equal_on_both_engines(both, table):
    duck, spark, _stray = both
    left, right = published_frame(duck, table), published_frame(spark, table)
    assert list(left.columns) == list(right.columns)
    assert list(left.dtypes) == list(right.dtypes), f"{table}: column types differ"
    assert len(left) > 0 and len(left) == len(right)
    floats = [c for c in left.columns if pd.api.types.is_float_dtype(left[c])]
    keys = [c for c in left.columns if c not in floats]
    left = left.sort_values(keys, na_position="first").reset_index(drop=True)
    right = right.sort_values(keys, na_position="first").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=TOLERANCE, atol=TOLERANCE)


def test_spark_seeds_keep_nulls_apostrophes_and_danish_letters(both):
    """dbt-spark's session method would load an empty cell as 'None' and break on an apostrophe."""
    _duck, spark, _stray = both
    folder = spark / "spark" / "warehouse" / "reference.db"
    rows = fetch(f"SELECT case_no, label FROM read_parquet('{folder}/check_seed_traps/*.parquet') ORDER BY case_no")
    (names,), = fetch(f"SELECT list(kommune_navn ORDER BY kommune_kode) "
                      f"FROM read_parquet('{folder}/ref_kommuner/*.parquet')")
    assert rows == [(1, "Ældre Sagen's frivillige"), (2, None), (3, "C:\\sti\\Århus")]
    assert len(names) == 98 and "København" in names and "Ærø" in names


def test_p_values_on_spark_equal_scipy(both):
    _duck, spark, _stray = both
    compared = published_and_scipy_p(spark / "published" / "report.duckdb")
    assert len(compared) > 20
    for name, p, expected in compared:
        assert p == pytest.approx(expected, rel=1e-12, abs=1e-300), name


def test_panel_mcnemar_p_values_on_spark_equal_scipy(both):
    """The exact binomial sum of the McNemar test in portable SQL, on Spark (metrics.md, "The panel")."""
    from scipy.stats import binomtest

    _duck, spark, _stray = both
    rows = fetch(f"ATTACH '{spark / 'published' / 'report.duckdb'}' AS pub (READ_ONLY); "
                 "SELECT n_yes_from - n_yes_both, n_yes_to - n_yes_both, mcnemar_p FROM pub.reporting.panel_changes "
                 "WHERE mcnemar_p IS NOT NULL")
    assert len(rows) >= 15
    for b, c, p in rows:
        expected = 1.0 if b + c == 0 else binomtest(min(b, c), b + c, 0.5).pvalue
        assert p == pytest.approx(expected, rel=1e-12), (b, c)
