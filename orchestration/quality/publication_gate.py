"""The publication gate: one Great Expectations suite per published table (``expectations/*.json``).

Great Expectations 1.x has no reliable DuckDB route through SQLAlchemy, so every table of the
candidate publication is read through a read-only DuckDB connection into a data frame and
validated with the pandas engine. Suites are plain JSON in git; the few values that depend on
the run (the waves present, the expected number of rows, the smallest allowed ratio to the
previous publication) are suite parameters. Data Docs are written under ``$SIW_DATA_DIR``.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from orchestration.adapters import read_expectation_kwargs_once
from orchestration.config import EXPECTATIONS_DIR, SEEDS_DIR, suppression_limit
from orchestration.duck import read_only
from orchestration.quality.disclosure import ORG_SEGMENTS, add_derivable
from orchestration.reference import reference

# Great Expectations is imported where a gate runs: importing it takes about 4 s, most of the
# time the Dagster code location would otherwise take to load.
if TYPE_CHECKING:
    import great_expectations as gx


# The wave-grid tables of a reference list, with the concept whose waves they cover (study.md).
ITEM_TABLES = {"innovation_types": ("innovation_types", "innovation_types"),
               "partner_types": ("partner_types", "partner_types"),
               "barriers": ("barriers", "barriers"), "enablers": ("enablers", "enablers")}


@dataclass(frozen=True)
class WaveMapping:
    """What a wave of the warehouse maps (from the raw layer dbt read): its concepts and closed variables."""

    wave_id: str
    concepts: frozenset[str]
    has_closed: bool

    @property
    def segments(self) -> list[str]:
        return ["alle", *ORG_SEGMENTS] if "org_type" in self.concepts else ["alle"]

    def metrics(self) -> list[str]:
        """The headline metrics of this wave: the definitions whose concepts it maps."""
        return [row["metric"] for row in metric_definitions()
                if row["concept"] in self.concepts
                and (not row["condition_concept"] or row["condition_concept"] in self.concepts)]


def metric_definitions() -> list[dict[str, str]]:
    """The headline metrics' one definition (the dbt seed def_headline_metrics), in report order."""
    with open(SEEDS_DIR / "def_headline_metrics.csv", encoding="utf-8", newline="") as handle:
        return sorted(csv.DictReader(handle, delimiter=";"), key=lambda row: int(row["sort_order"]))


def wave_mappings(raw_dir: Path, waves: list[str]) -> list[WaveMapping]:
    """Concepts and closed variables of each wave, from the raw layer's variables tables."""
    shapes = []
    with duckdb.connect() as con:
        for wave in waves:
            path = raw_dir / "survey" / f"wave={wave}" / "variables.parquet"
            rows = con.execute(f"SELECT concept, kind, is_system, is_identifying FROM read_parquet('{path}')").fetchall()
            shapes.append(WaveMapping(wave, frozenset(c for c, *_ in rows if c),
                                    any(k == "coded" and not sys_ and not ident for _c, k, sys_, ident in rows)))
    return shapes


@dataclass
class SuiteResult:
    """The outcome of one suite: passed or not, and each failed expectation with its values."""

    table: str
    success: bool
    evaluated: int
    failures: list[dict] = field(default_factory=list)

    def describe(self) -> str:
        if self.success:
            return f"suite reporting.{self.table}: {self.evaluated} expectations passed"
        parts = [f"{f['expectation']}({f['column']}) [{f['kind']}] failing values {f['values']}" for f in self.failures]
        return f"suite reporting.{self.table} failed: " + "; ".join(parts)


def suite_tables() -> list[str]:
    """The published tables that have a suite."""
    return sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json"))


NO_VALUES = ["(no value expected)"]


def load_suite(table: str, params: dict | None = None) -> gx.ExpectationSuite:
    """The versioned suite of a published table.

    Great Expectations refuses an empty value set, yet a study may rightly publish a table with no
    rows for a concept it lacks: a value set whose parameter is an empty list becomes a sentinel,
    and "distinct values equal the empty set" the same statement as "no value outside {sentinel}";
    so is every equal-set expectation of a table whose expected row count is 0. A row condition
    names the disclosure limit as ``{suppression_limit}`` (the dbt var, never a number of its own).
    """
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))
    limit = suppression_limit()
    expectations = []
    nothing_expected = params is not None and params.get(f"expected_rows_{table}") == 0
    for e in spec["expectations"]:
        if "row_condition" in e["kwargs"]:
            e = {**e, "kwargs": {**e["kwargs"], "row_condition": e["kwargs"]["row_condition"].format(
                suppression_limit=limit)}}
        value_set = e["kwargs"].get("value_set")
        empty = isinstance(value_set, dict) and params is not None and params.get(value_set["$PARAMETER"]) == []
        if empty or (nothing_expected and e["type"] == "expect_column_distinct_values_to_equal_set"):
            kind = ("expect_column_distinct_values_to_be_in_set"
                    if e["type"] == "expect_column_distinct_values_to_equal_set" else e["type"])
            e = {**e, "type": kind, "kwargs": {**e["kwargs"], "value_set": NO_VALUES}}
        expectations.append(ExpectationConfiguration(**e).to_domain_obj())
    return gx.ExpectationSuite(name=spec["name"], meta=spec.get("meta", {}), expectations=expectations)


def frames(candidate: Path, previous: Path | None) -> dict[str, pd.DataFrame]:
    """Every suite's table of the candidate but those written after the gate, read-only; ``response``
    gains the ratio to the previous one, every table with a published hierarchy ``derivable``."""
    with read_only(candidate) as con:
        tables = {t: con.execute(f"SELECT * FROM reporting.{t}").df() for t in suite_tables() if t not in AFTER_GATE}
    weights = tables["weights"]
    # Relative: summing a cell's 400,000 equal weights leaves ~1e-6 in absolute terms at panel scale.
    population = pd.to_numeric(weights["population"])
    weights["population_gap"] = (pd.to_numeric(weights["weight_total"]) - population) / population
    response = tables["response"]
    response["completed_ratio_to_previous"] = pd.Series([None] * len(response), dtype="float64")
    if previous is not None and previous.exists():
        with read_only(previous) as con:
            before = con.execute("SELECT wave_id, segment, n_completed AS previous FROM reporting.response").df()
        merged = response.merge(before, on=["wave_id", "segment"], how="left")
        ratio = merged["n_completed"] / merged["previous"].where(merged["previous"] > 0)
        response["completed_ratio_to_previous"] = ratio.astype("float64").values
    add_derivable(tables)
    return tables


def parameters(tables: dict[str, pd.DataFrame], shapes: list[WaveMapping], max_shrink: float) -> dict:
    """The run-dependent suite parameters: the waves, segments, metrics and row counts each table
    must have, derived from what each wave's study maps (an unmapped concept publishes no rows)."""
    waves = [w.wave_id for w in shapes]
    areas = len(reference("kommuner")) + len({row["region_navn"] for row in reference("kommuner")}) + 1
    values: dict = {"waves": waves, "min_completed_ratio": 1 - max_shrink, "suppression_limits": [suppression_limit()],
                    "metrics": sorted({m for w in shapes for m in w.metrics()})}
    covered: dict[str, list] = {  # table -> (each wave it covers, its rows in that wave)
        "headline_metrics": [(w, len(w.segments) * len(w.metrics())) for w in shapes if w.metrics()],
        "response": [(w, len(w.segments)) for w in shapes],
        "collaboration_quality": [(w, len(w.segments)) for w in shapes if "collaboration" in w.concepts],
        "area_metrics": [(w, areas * len(w.metrics())) for w in shapes if w.metrics()],
        "segment_differences": [(w, len(w.metrics())) for w in shapes if w.metrics() and len(w.segments) > 1],
        # rows not counted in advance (None): they follow the export's variables and labels
        "codebook": [(w, None) for w in shapes],
        "question_frequencies": [(w, None) for w in shapes if w.has_closed],
        "item_segment_differences": [(w, None) for w in shapes if len(w.segments) > 1
                                     and w.concepts & {c for c, _r in ITEM_TABLES.values()}],
    }
    for table, (concept, listing) in ITEM_TABLES.items():
        covered[table] = [(w, len(w.segments) * len(reference(listing))) for w in shapes if concept in w.concepts]
    pairs = list(zip(shapes, shapes[1:]))
    covered["wave_differences"] = [(b, len(set(a.segments) & set(b.segments)) * len(set(a.metrics()) & set(b.metrics())))
                                   for a, b in pairs]
    # the panel: every pair of waves (by wave id) whose studies both map org_id, each segment of the
    # earlier wave x each metric of both
    panel = [(a, b) for i, a in enumerate(shapes) for b in shapes[i + 1:] if "org_id" in a.concepts & b.concepts]
    values["waves_from_panel_changes"] = sorted({a.wave_id for a, _b in panel})
    values["waves_to_panel_changes"] = sorted({b.wave_id for _a, b in panel})
    values["segments_panel_changes"] = sorted({s for a, _b in panel for s in a.segments})
    values["expected_rows_panel_changes"] = sum(len(a.segments) * len(set(a.metrics()) & set(b.metrics()))
                                                for a, b in panel)
    for table, rows in covered.items():
        values[f"waves_{table}"] = [w.wave_id for w, _n in rows]
        values[f"segments_{table}"] = sorted({s for w, _n in rows for s in w.segments})
        if all(n is not None for _w, n in rows):
            values[f"expected_rows_{table}"] = sum(n for _w, n in rows)
    return values


# Written from the gate's own results (the method page's list of checks), so validated after them.
AFTER_GATE = ("quality_checks",)


class Gate:
    """One Great Expectations run over a candidate publication: ``check`` validates tables (pandas
    engine; call it again for tables written from earlier results), ``build_docs`` writes the Data
    Docs of every validation once."""

    def __init__(self, params: dict, docs_dir: Path):
        import great_expectations as gx

        read_expectation_kwargs_once()
        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self.params = params
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = {"globally": False}
        self.context.add_data_docs_site(site_name="publication_gate", site_config={
            "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
        self.source = self.context.data_sources.add_pandas("candidate_publication")

    def check(self, tables: dict[str, pd.DataFrame]) -> list[SuiteResult]:
        """Run each table's suite on its frame; return the results."""
        import great_expectations as gx

        results = []
        for table, frame in tables.items():
            batch = self.source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole_table")
            suite = self.context.suites.add(load_suite(table, self.params))
            definition = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=f"gate_{table}", data=batch, suite=suite))
            # Run without a checkpoint: its only action would be UpdateDataDocsAction, which rebuilds
            # the whole site (and its 4 MB of assets) each time; the result stays in the context's
            # store and build_docs writes the site once. BASIC: each result's observed value, counts
            # and sample of unexpected values, all the failures and the Data Docs show; SUMMARY's
            # counts of each unexpected value cost a quarter of the checks' time (BENCHMARKS.md).
            validation = definition.run(batch_parameters={"dataframe": frame}, expectation_parameters=self.params,
                                        result_format="BASIC")
            failures = [{
                "expectation": r.expectation_config.type,
                "column": r.expectation_config.kwargs.get("column") or r.expectation_config.kwargs.get("column_A") or "",
                "kind": (r.expectation_config.meta or {}).get("kind", ""),
                "values": _failing_values(r),
            } for r in validation.results if not r.success]
            results.append(SuiteResult(table, validation.success, len(validation.results), failures))
        return results

    def build_docs(self) -> None:
        """Write the Data Docs site of every validation of this gate."""
        self.context.build_data_docs(site_names=["publication_gate"])


def _failing_values(result) -> object:
    """What failed: a sample of unexpected values, the observed value, or the error raised; as plain
    JSON values (a pair expectation lists tuples of numpy integers, which Dagster's metadata refuses)."""
    details = result.result or {}
    if details.get("partial_unexpected_list"):
        return _plain(details["partial_unexpected_list"][:10])
    if "observed_value" in details:
        return _plain(details["observed_value"])
    return str(result.exception_info)[:300]


def _plain(value: object) -> object:
    """``value`` with numpy scalars as Python numbers and tuples as lists."""
    return json.loads(json.dumps(value, default=lambda o: o.item() if hasattr(o, "item") else str(o)))
