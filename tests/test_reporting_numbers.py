"""The published metrics equal an independent computation in pandas straight from the export files."""

from __future__ import annotations

import io
import math

import duckdb
import openpyxl
import pandas as pd
import pytest

from orchestration.config import SEEDS_DIR

Z = 1.959964


def wilson(yes: int, n: int) -> tuple[float, float]:
    """Textbook Wilson score interval (independent of the SQL macro)."""
    p = yes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def test_wilson_reference_values():
    low, high = wilson(8, 10)  # published example values for the Wilson interval
    assert round(low, 4) == 0.4902 and round(high, 4) == 0.9433


def export(landing, wave: str) -> pd.DataFrame:
    """A layout-1 wave's dataset as text, from its CSV (Windows-1252) or its workbook."""
    folder = landing / "survey" / f"wave={wave}"
    if (folder / "dataset.csv").exists():
        raw = (folder / "dataset.csv").read_bytes().decode("cp1252")
        return pd.read_csv(io.StringIO(raw), sep=";", dtype=str, keep_default_na=False)
    rows = list(openpyxl.load_workbook(folder / "dataset.xlsx", read_only=True)["Dataset"].iter_rows(values_only=True))
    return pd.DataFrame([["" if v is None else str(v) for v in row] for row in rows[1:]], columns=rows[0])


def analysis_base(landing, wave: str = "2020-06") -> pd.DataFrame:
    """A wave by hand: resolve re-submissions, drop the quarantined rows, keep statoverall 4."""
    frame = export(landing, wave)
    frame["submitted_ts"] = pd.to_datetime(frame["submitted"], format="%d-%m-%Y %H:%M:%S", errors="coerce")
    frame["pos"] = range(len(frame))
    frame = frame.sort_values(["submitted_ts", "pos"], na_position="first").drop_duplicates("respondentid", keep="last")
    codes = set(pd.read_csv(SEEDS_DIR / "ref_kommuner.csv", sep=";")["kommune_kode"].astype(str))
    bad = (~frame["q2"].isin(["", "1", "2", "3", "9"])) | (frame["kommune"].str.lstrip("0").isin(codes) == False) \
        & (frame["kommune"] != "") | (frame["q8"].str.fullmatch(r"\d*") == False)  # noqa: E712
    return frame[(frame["statoverall"] == "4") & ~bad]


def metric_flags(base: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series]]:
    """metric -> (in its base, yes) per row of ``base``, by metrics.md's table."""
    q7 = [c for c in base.columns if c.startswith("q7_")]
    return {
        "markant_innovation": (base["q2"] != "", base["q2"] == "1"),
        "innovation": (base["q2"] != "", base["q2"].isin(["1", "2"])),
        "skuffeide": (base["q4"] != "", base["q4"] == "1"),
        "forventer_varighed": (base["q5"].isin(list("12345")), base["q5"].isin(["4", "5"])),
        "flere_eksterne_aktoerer": (base["q6"] != "", base["q6"] == "1"),
        "kan_laere_af": ((base["q12"] != "") & (base["q6"] == "1"), base["q12"] == "1"),
        "nye_partnere": ((base[q7] != "").all(axis=1), (base[q7] == "1").any(axis=1)),
    }


@pytest.fixture
def published(sample_build):
    con = duckdb.connect(str(sample_build.published), read_only=True)
    yield sample_build.landing, con
    con.close()


def test_headline_metrics_match_an_independent_computation(published):
    landing, con = published
    base = analysis_base(landing)
    rows = {m: r for m, *r in con.execute(
        "SELECT metric, n_base, n_yes, share, ci_low, ci_high FROM reporting.headline_metrics "
        "WHERE wave_id = '2020-06' AND segment = 'alle'").fetchall()}
    for metric, (in_base, yes) in metric_flags(base).items():
        n, y = int(in_base.sum()), int((in_base & yes).sum())
        low, high = wilson(y, n)
        assert rows[metric][:2] == [n, y], metric
        assert rows[metric][2] == pytest.approx(y / n, abs=1e-12)
        assert rows[metric][3:] == [pytest.approx(low, abs=1e-9), pytest.approx(high, abs=1e-9)]
    # the calibration shows through: about 8 in 10 made marked innovations
    assert 0.7 < rows["markant_innovation"][2] < 0.9


def test_barriers_and_suppression(published):
    landing, con = published
    base = analysis_base(landing)
    n_base, mean, high, n_eased, eased = con.execute(
        "SELECT n_base, mean_score, share_high, n_base_eased, share_eased FROM reporting.barriers "
        "WHERE wave_id = '2020-06' AND segment = 'alle' AND barrier = 'bureaukrati'").fetchall()[0]
    scores = pd.to_numeric(base["q9_3"][base["q9_3"].isin(list("12345"))])
    assert n_base == len(scores) and mean == pytest.approx(scores.mean()) \
        and high == pytest.approx((scores >= 4).mean())
    assert n_eased == (base["q10_3"] != "").sum()
    assert eased == pytest.approx((base["q10_3"] == "1").sum() / n_eased)
    leaks = con.execute("""SELECT count(*) FROM reporting.headline_metrics
                           WHERE n_base < 5 AND (share IS NOT NULL OR n_yes IS NOT NULL OR NOT suppressed)""").fetchone()
    assert leaks == (0,)
