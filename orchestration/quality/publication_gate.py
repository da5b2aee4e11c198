"""The publication gate: one Great Expectations suite per published table (``expectations/*.json``).

Great Expectations 1.x has no reliable DuckDB route through SQLAlchemy, so every table of the
candidate publication is read through a read-only DuckDB connection into a data frame and
validated with the pandas engine. Suites are plain JSON in git; the few values that depend on
the run (the waves present, the expected number of rows, the smallest allowed ratio to the
previous publication) are suite parameters. Data Docs are written under ``$SIW_DATA_DIR``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import pandas as pd
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from orchestration.config import EXPECTATIONS_DIR
from orchestration.duck import read_only
from orchestration.reference import reference

SEGMENTS = 3
HEADLINE_METRICS = 7
# Rows per wave of each wave-grid table: segments x items of its reference list; area_metrics has
# a row per region (the reference regions and 'Landsdækkende') and per municipality x metric.
ROWS_PER_WAVE = {
    "headline_metrics": lambda: SEGMENTS * HEADLINE_METRICS,
    "innovation_types": lambda: SEGMENTS * len(reference("innovation_types")),
    "partner_types": lambda: SEGMENTS * len(reference("partner_types")),
    "barriers": lambda: SEGMENTS * len(reference("barriers")),
    "enablers": lambda: SEGMENTS * len(reference("enablers")),
    "response": lambda: SEGMENTS,
    "collaboration_quality": lambda: SEGMENTS,
    "area_metrics": lambda: HEADLINE_METRICS * (
        len(reference("kommuner")) + len({row["region_navn"] for row in reference("kommuner")}) + 1),
}


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


def load_suite(table: str) -> gx.ExpectationSuite:
    """The versioned suite of a published table."""
    spec = json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))
    return gx.ExpectationSuite(
        name=spec["name"], meta=spec.get("meta", {}),
        expectations=[ExpectationConfiguration(**e).to_domain_obj() for e in spec["expectations"]])


def frames(candidate: Path, previous: Path | None) -> dict[str, pd.DataFrame]:
    """Every suite's table of the candidate, read-only; ``response`` gains the ratio to the previous one."""
    with read_only(candidate) as con:
        tables = {t: con.execute(f"SELECT * FROM reporting.{t}").df() for t in suite_tables()}
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
    return tables


def parameters(tables: dict[str, pd.DataFrame], waves: list[str], max_shrink: float) -> dict:
    """The run-dependent suite parameters."""
    values: dict = {"waves": waves, "min_completed_ratio": 1 - max_shrink}
    for table, rows in ROWS_PER_WAVE.items():
        values[f"expected_rows_{table}"] = len(waves) * rows()
    values["expected_rows_segment_differences"] = len(waves) * HEADLINE_METRICS
    values["expected_rows_wave_differences"] = max(len(waves) - 1, 0) * SEGMENTS * HEADLINE_METRICS
    return values


def validate(tables: dict[str, pd.DataFrame], params: dict, docs_dir: Path) -> list[SuiteResult]:
    """Run every suite on its frame (pandas engine) and write the Data Docs; return the results."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    context.add_data_docs_site(site_name="publication_gate", site_config={
        "class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)}})
    source = context.data_sources.add_pandas("candidate_publication")
    definitions = []
    for table in tables:
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("whole_table")
        suite = context.suites.add(load_suite(table))
        definitions.append(context.validation_definitions.add(
            gx.ValidationDefinition(name=f"gate_{table}", data=batch, suite=suite)))
    results = []
    for table, definition in zip(tables, definitions):
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=f"publish_{table}", validation_definitions=[definition], result_format="SUMMARY",
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")]))
        run = checkpoint.run(batch_parameters={"dataframe": tables[table]}, expectation_parameters=params)
        (validation,) = run.run_results.values()
        failures = [{
            "expectation": r.expectation_config.type,
            "column": r.expectation_config.kwargs.get("column") or r.expectation_config.kwargs.get("column_A") or "",
            "kind": (r.expectation_config.meta or {}).get("kind", ""),
            "values": _failing_values(r),
        } for r in validation.results if not r.success]
        results.append(SuiteResult(table, validation.success, len(validation.results), failures))
    return results


def _failing_values(result) -> object:
    """What failed: a sample of unexpected values, the observed value, or the error raised."""
    details = result.result or {}
    if details.get("partial_unexpected_list"):
        return details["partial_unexpected_list"][:10]
    if "observed_value" in details:
        return details["observed_value"]
    return str(result.exception_info)[:300]
