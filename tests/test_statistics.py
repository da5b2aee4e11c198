"""Weighted estimates and tested differences (metrics.md, "Weighted estimates and differences").

The published numbers are recomputed here independently: weights, weighted shares and Kish's n
with pandas from the warehouse's respondent-level inputs and the frame, Wilson and Newcombe
intervals from the counts with the textbook formulas, and p-values with scipy's normal
distribution. The SQL computes the normal tail with W. J. Cody's erfc: the p-values equal scipy's
to 1e-12 (relative).
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from conftest import published_and_scipy_p, pooled_p, query_db
from orchestration import pipeline

Z = 1.959964


def wilson(p: float, n: float) -> tuple[float, float]:
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread) / (1 + Z * Z / n), (centre + spread) / (1 + Z * Z / n)


def frame_of(path, sql: str) -> pd.DataFrame:
    return query_db(path, sql, frame=True)


def raw_frame(data) -> pd.DataFrame:
    """The population frame as ingestion landed it."""
    with duckdb.connect() as con:  # not the process-wide default connection, which other tests share
        return con.execute(f"SELECT * FROM read_parquet('{data}/raw/frame/current/frame.parquet')").df()


def expected_weighted(data) -> pd.DataFrame:
    """Weighted share and Kish n per wave x segment x metric, from respondent-level inputs."""
    rows = frame_of(data / "warehouse.duckdb", """
        SELECT f.wave_id, f.line, s.segment, f.metric, f.in_base, f.is_yes, r.segment AS cell_segment, a.region_navn
        FROM intermediate.int_survey__headline_flags f
        JOIN intermediate.int_survey__rows r USING (wave_id, line)
        JOIN intermediate.int_survey__respondent_area a USING (wave_id, line)
        JOIN (VALUES ('alle'), ('forening'), ('kommunalt_tilbud')) AS s(segment)
          ON s.segment = 'alle' OR s.segment = r.segment  -- each row under alle and its own segment""")
    frame = raw_frame(data)
    base = rows[(rows.metric == "markant_innovation") & (rows.segment == "alle")]  # every base row once
    cells = base.groupby(["wave_id", "region_navn", "cell_segment"]).size().rename("n_cell").reset_index()
    cells = cells.merge(frame, left_on=["region_navn", "cell_segment"], right_on=["region_navn", "segment"])
    cells["weight"] = cells["population"] / cells["n_cell"]
    rows = rows[rows.in_base].merge(cells[["wave_id", "region_navn", "cell_segment", "weight"]],
                                    on=["wave_id", "region_navn", "cell_segment"])
    rows["w_yes"] = rows.weight * rows.is_yes
    rows["w2"] = rows.weight ** 2
    sums = rows.groupby(["wave_id", "segment", "metric"])[["weight", "w_yes", "w2"]].sum().reset_index()
    sums["weighted_share"] = sums.w_yes / sums.weight
    sums["n_effective"] = sums.weight ** 2 / sums.w2
    return sums


def test_weights_differences_and_an_unweighted_wave(built):
    landing, data = built
    published = data / "published" / "report.duckdb"

    # Weights: positive, and per wave and segment they add up to the frame's population of the cells.
    weights = frame_of(published, "SELECT * FROM reporting.weights")
    assert (weights.weight > 0).all() and weights.weight_note.isna().all()
    frame = raw_frame(data)
    merged = weights.merge(frame, on=["region_navn", "segment"], suffixes=("", "_frame"))
    assert len(merged) == len(weights)
    for (_, _), group in merged.groupby(["wave_id", "segment"]):
        assert group.weight_total.sum() == pytest.approx(group.population_frame.sum(), rel=1e-12)

    # Weighted shares, Kish's n and the weighted Wilson interval.
    headline = frame_of(published, "SELECT * FROM reporting.headline_metrics WHERE NOT suppressed")
    expected = expected_weighted(data).merge(headline, on=["wave_id", "segment", "metric"])
    assert len(expected) == len(headline) > 30
    for row in expected.itertuples():
        assert row.weighted_share_y == pytest.approx(row.weighted_share_x, abs=1e-12)
        assert row.n_effective_y == pytest.approx(row.n_effective_x, rel=1e-12)
        low, high = wilson(row.weighted_share_x, row.n_effective_x)
        assert (row.weighted_ci_low, row.weighted_ci_high) == pytest.approx((low, high), abs=1e-12)
        assert row.n_effective_y <= row.n_base  # unequal weights never add information

    # Segment differences: Newcombe from the two Wilson intervals, p from scipy.
    counts = headline.set_index(["wave_id", "segment", "metric"])
    differences = frame_of(published, "SELECT * FROM reporting.segment_differences")
    assert len(differences) == 2 * 7 and differences.p_value.notna().all()
    for row in differences.itertuples():
        one = counts.loc[(row.wave_id, "kommunalt_tilbud", row.metric)]
        two = counts.loc[(row.wave_id, "forening", row.metric)]
        p1, p2 = one.n_yes / one.n_base, two.n_yes / two.n_base
        (l1, u1), (l2, u2) = wilson(p1, one.n_base), wilson(p2, two.n_base)
        d = p1 - p2
        assert row.difference == pytest.approx(d, abs=1e-12)
        assert row.ci_low == pytest.approx(d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), abs=1e-12)
        assert row.ci_high == pytest.approx(d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2), abs=1e-12)
        p = pooled_p(one.n_yes, one.n_base, two.n_yes, two.n_base)
        if abs(p - 0.05) > 1e-9:
            assert row.significant == (p < 0.05)
    # Every p-value of both difference tables, against scipy's, to 1e-12.
    compared = published_and_scipy_p(published)
    assert len(compared) > 20
    for name, p, expected in compared:
        assert p == pytest.approx(expected, rel=1e-12, abs=1e-300), name

    # Wave differences: consecutive waves, the later minus the earlier.
    waves = frame_of(published, "SELECT * FROM reporting.wave_differences")
    assert set(zip(waves.wave_from, waves.wave_to)) == {("2020-06", "2021-03")} and len(waves) == 3 * 7
    for row in waves.itertuples():
        if not pd.isna(row.difference):
            to = counts.loc[(row.wave_to, row.segment, row.metric)]
            before = counts.loc[(row.wave_from, row.segment, row.metric)]
            assert row.difference == pytest.approx(to.n_yes / to.n_base - before.n_yes / before.n_base, abs=1e-12)

    # Without a frame the weighted columns are NULL, and the publication says why.
    (landing / "frame" / "population_frame.csv").unlink()
    assert pipeline.run(allow_sample=False) == 0
    unweighted = frame_of(published, "SELECT weighted_share, weighted_ci_low, n_effective FROM reporting.headline_metrics")
    assert unweighted.isna().all().all()
    notes = frame_of(published, "SELECT DISTINCT weight_note FROM reporting.weights").weight_note.tolist()
    assert notes == ["no population frame delivered"]
    issues = frame_of(published, "SELECT * FROM reporting.ingestion_issues WHERE kind = 'unweighted_wave'")
    assert sorted(issues.wave_id) == ["2020-06", "2021-03"]
