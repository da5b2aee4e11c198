"""The benchmark's floor stays honest: on a tree of the generator it equals the publication."""

from __future__ import annotations

import duckdb

from benchmarks.floor import differences, run_floor
from orchestration import pipeline
from orchestration.sample_exports import write_landing_tree


def test_the_floor_equals_the_pipeline_and_would_see_a_difference(dirs, instance):
    landing, data = dirs
    write_landing_tree(landing, invited=400, seed=11, csv_only=True)
    assert pipeline.run(allow_sample=False) == 0
    published = data / "published" / "report.duckdb"
    con = duckdb.connect()
    run_floor(landing, con)
    assert con.execute("SELECT count(*) FROM floor_headline_metrics").fetchone()[0] == 2 * 3 * 7
    assert differences(con, published) == []
    con.execute("UPDATE floor_barriers SET mean_score = mean_score + 0.001 WHERE NOT suppressed")
    assert any("mean_score" in problem for problem in differences(con, published))
