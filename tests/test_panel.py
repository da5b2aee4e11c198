"""The panel (metrics.md, "The panel"): organisations paired across waves by their org_id.

The published ``panel_changes`` is recomputed here independently: the pairs with pandas straight
from the export files (re-submissions resolved, faulty rows left out, an org_id twice in a wave
left out), the persistence interval with the textbook Wilson formula and the McNemar p-value with
scipy's ``binomtest``; they agree to 1e-12. The exact binomial sum in SQL is also compared with
scipy from a handful of discordant pairs to tens of thousands.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd
import pytest
from scipy.stats import binomtest

from conftest import dbt_by_hand, query_db
from orchestration.config import get_settings
from orchestration.ingest.pseudonym import hmac_python
from test_reporting_numbers import analysis_base, export, metric_flags, wilson

WAVES = ("2020-06", "2021-03")


def expected_panel(landing) -> pd.DataFrame:
    """Per segment x metric: pairs, yes in each wave and in both, from the export files."""
    sides = []
    for wave in WAVES:
        base = analysis_base(landing, wave)
        base = base[base["org_id"].str.strip() != ""]
        base = base[~base["org_id"].duplicated(keep=False)]  # an org_id twice in one wave pairs in neither row
        for metric, (in_base, yes) in metric_flags(base).items():
            sides.append(pd.DataFrame({"wave": wave, "org_id": base["org_id"], "org_type": base["org_type"],
                                       "metric": metric, "in_base": in_base, "yes": yes}))
    flags = pd.concat(sides)
    flags = flags[flags["in_base"]]
    pairs = flags[flags.wave == WAVES[0]].merge(flags[flags.wave == WAVES[1]], on=["org_id", "metric"],
                                                suffixes=("_from", "_to"))
    pairs["segment"] = pairs["org_type_from"].map({"1": "forening", "2": "kommunalt_tilbud"})
    pairs["both"] = pairs["yes_from"] & pairs["yes_to"]
    everyone = pairs.assign(segment="alle")
    counted = pd.concat([everyone, pairs.dropna(subset=["segment"])]).groupby(["segment", "metric"]).agg(
        n_pairs=("org_id", "size"), n_yes_from=("yes_from", "sum"), n_yes_to=("yes_to", "sum"),
        n_yes_both=("both", "sum"))
    return counted.reset_index()


@pytest.fixture
def published(sample_build):
    return query_db(sample_build.published, "SELECT * FROM reporting.panel_changes ORDER BY ALL", frame=True)


def test_panel_changes_match_an_independent_computation(sample_build, published):
    expected = expected_panel(sample_build.landing).set_index(["segment", "metric"])
    assert set(published.wave_from) == {WAVES[0]} and set(published.wave_to) == {WAVES[1]}
    assert len(published) == 3 * 7  # every segment x metric of the pair, including empty cells
    tested = 0
    for row in published.itertuples():
        counts = expected.loc[(row.segment, row.metric)] if (row.segment, row.metric) in expected.index else None
        n_pairs = 0 if counts is None else int(counts.n_pairs)
        assert row.n_pairs == n_pairs, (row.segment, row.metric)
        if row.suppressed:
            assert pd.isna(row.n_yes_from) and pd.isna(row.mcnemar_p) and not row.significant
            continue
        assert (row.n_yes_from, row.n_yes_to, row.n_yes_both) == (counts.n_yes_from, counts.n_yes_to,
                                                                   counts.n_yes_both), (row.segment, row.metric)
        assert row.share_from == pytest.approx(counts.n_yes_from / n_pairs, rel=1e-12)
        assert row.share_to == pytest.approx(counts.n_yes_to / n_pairs, rel=1e-12)
        if counts.n_yes_from >= 5:
            low, high = wilson(int(counts.n_yes_both), int(counts.n_yes_from))
            assert row.persistence == pytest.approx(counts.n_yes_both / counts.n_yes_from, rel=1e-12)
            assert (row.persistence_ci_low, row.persistence_ci_high) == (pytest.approx(low, rel=1e-12, abs=1e-15),
                                                                         pytest.approx(high, rel=1e-12))
        else:
            assert pd.isna(row.persistence) and pd.isna(row.persistence_ci_low)
        b, c = int(counts.n_yes_from - counts.n_yes_both), int(counts.n_yes_to - counts.n_yes_both)
        p = 1.0 if b + c == 0 else binomtest(min(b, c), b + c, 0.5).pvalue
        assert row.mcnemar_p == pytest.approx(p, rel=1e-12), (row.segment, row.metric, b, c)
        assert row.significant == (p < 0.05)
        tested += 1
    assert tested >= 15


def test_the_follow_up_wave_shows_persistence(sample_build, published):
    """The generator re-invites the first wave's organisations, and those that answered both tend to
    answer as before: more of those who had a metric keep it than of those who had not gain it."""
    row = published[(published.segment == "alle") & (published.metric == "skuffeide")].iloc[0]
    kept = row.n_yes_both / row.n_yes_from
    gained = (row.n_yes_to - row.n_yes_both) / (row.n_pairs - row.n_yes_from)
    assert row.n_pairs >= 20 and kept > gained + 0.2


def test_org_id_is_a_keyed_pseudonym_and_one_organisation_is_one_row(sample_build):
    landing, data = sample_build.landing, sample_build.data
    ids = set()
    for wave in WAVES:
        ids |= {i.strip().upper() for i in export(landing, wave)["org_id"] if i.strip()}
    key = get_settings().pseudonym_key
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT DISTINCT org_key FROM read_parquet('{data}/raw/survey/*/respondents.parquet') "
                           "WHERE org_key_source = 'org_id'").fetchall()
    assert {k for (k,) in rows} == {hmac_python(key, f"org_id:{i}") for i in ids}
    organisations = query_db(data / "warehouse.duckdb", """
        SELECT org_key_source, count(*), count(*) FILTER (WHERE n_waves = 2), count(DISTINCT org_key)
        FROM marts.dim_organisation GROUP BY ALL""")
    by_source = {source: rest for source, *rest in organisations}
    n, in_both, distinct = by_source["org_id"]
    assert n == distinct == len(ids) and in_both > 100  # the follow-up wave re-invites the first's organisations
    # the id itself is never past the raw layer
    sample = sorted(ids)[:20]
    for database in (data / "warehouse.duckdb", sample_build.published):
        tables = query_db(database, "SELECT schema_name, table_name FROM duckdb_tables() "
                                    "WHERE schema_name IN ('marts', 'reporting')")
        for schema, table in tables:
            text = "\n".join(map(str, query_db(database, f"SELECT * FROM {schema}.{table}")))
            assert not [i for i in sample if i in text], f"{schema}.{table}"


def test_org_id_spelling_is_one_in_every_wave():
    """A workbook's number cell (1042.0), spaces and case give the same id as the CSV's 1042."""
    from orchestration.ingest.survey.rules import org_id_sql

    with duckdb.connect() as con:
        con.execute("CREATE TABLE ds AS SELECT * FROM (VALUES ('1042'), ('1042.0'), (' 1042 '), ('org-7'), "
                    "('ORG-7 '), (''), ('  '), (NULL), ('10.5')) AS t(org_id)")
        got = [v for (v,) in con.execute(f"SELECT {org_id_sql('org_id')} FROM ds").fetchall()]
    assert got == ["1042", "1042", "1042", "ORG-7", "ORG-7", None, None, None, "10.5"]


MCNEMAR_CASES = [(0, 0), (0, 1), (0, 7), (3, 5), (5, 5), (1, 10), (12, 30), (40, 40), (120, 170), (299, 200),
                 (1000, 1400), (2500, 2200), (4600, 5000), (9000, 10000)]


def test_the_exact_mcnemar_p_equals_scipy_from_a_few_to_thousands_of_discordant_pairs(tmp_path):
    """The macro's binomial sum (macros/metrics.sql, mcnemar_exact_p) run by dbt on DuckDB."""
    cells = " union all ".join(f"select {i} as id, {b} as b, {c} as c" for i, (b, c) in enumerate(MCNEMAR_CASES))
    shown = dbt_by_hand(tmp_path, tmp_path / "target", "show", "--quiet", "--output", "json", "--limit", "100",
                        "--inline", f"with cells as ({cells}) {{{{ mcnemar_exact_p('cells', ['id']) }}}}")
    shown.check_returncode()
    rows = {r["id"]: r["mcnemar_p"] for r in json.loads(shown.stdout)["show"]}
    assert len(rows) == len(MCNEMAR_CASES)
    for i, (b, c) in enumerate(MCNEMAR_CASES):
        expected = 1.0 if b + c == 0 else binomtest(min(b, c), b + c, 0.5).pvalue
        assert rows[i] == pytest.approx(expected, rel=1e-12, abs=1e-300), (b, c)
