"""The plain-DuckDB floor (``benchmarks/floor.sql``) and the check that it equals the pipeline."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from orchestration.config import DBT_PROJECT_DIR, get_settings
from orchestration.study import CONCEPTS, study_for

FLOOR_SQL = Path(__file__).with_name("floor.sql")
# floor table -> (published table, key column of the published table, the compared columns)
COMPARED = {
    "floor_headline_metrics": ("headline_metrics", "metric",
                               ["n_base", "n_yes", "share", "ci_low", "ci_high", "suppressed"]),
    "floor_innovation_types": ("innovation_types", "innovation_type",
                               ["n_base", "n_yes", "share", "ci_low", "ci_high", "suppressed"]),
    "floor_partner_types": ("partner_types", "partner_type",
                            ["n_base", "n_yes", "share", "ci_low", "ci_high", "suppressed"]),
    "floor_barriers": ("barriers", "barrier",
                       ["n_base", "mean_score", "share_high", "n_base_eased", "share_eased", "suppressed"]),
}


def floor_script(landing: Path) -> str:
    """The floor's SQL for a (layout-1) landing tree, with the concepts of its study definition."""
    study = study_for(get_settings().study_path, layout=1).for_wave("")
    concepts = ", ".join(f"('{concept}', '{question}')" for concept, question in sorted(study.questions.items())
                         if not CONCEPTS[concept].identifying)
    return (FLOOR_SQL.read_text(encoding="utf-8").replace("__LANDING__", str(landing))
            .replace("__SEEDS__", str(DBT_PROJECT_DIR / "seeds")).replace("__CONCEPTS__", f"VALUES {concepts}"))


def run_floor(landing: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Compute the floor tables in ``con``."""
    con.execute(floor_script(landing))


def differences(con: duckdb.DuckDBPyConnection, published: Path, tolerance: float = 1e-9) -> list[str]:
    """Every cell where the floor (tables in ``con``) and the publication differ; empty when equal."""
    con.execute(f"ATTACH '{published}' AS pub (READ_ONLY)")
    problems = []
    try:
        for floor, (table, key, columns) in COMPARED.items():
            listing = ", ".join(columns)
            mine = {tuple(r[:3]): r[3:] for r in con.execute(
                f"SELECT wave_id, segment, key, {listing} FROM {floor}").fetchall()}
            theirs = {tuple(r[:3]): r[3:] for r in con.execute(
                f"SELECT wave_id, segment, {key}, {listing} FROM pub.reporting.{table}").fetchall()}
            if mine.keys() != theirs.keys():
                problems.append(f"{table}: rows differ: {sorted(mine.keys() ^ theirs.keys())[:5]}")
            for row in mine.keys() & theirs.keys():
                for column, a, b in zip(columns, mine[row], theirs[row]):
                    same = (a is None and b is None) or (
                        a is not None and b is not None and math.isclose(float(a), float(b), rel_tol=0, abs_tol=tolerance))
                    if not same:
                        problems.append(f"{table} {row} {column}: floor {a} != pipeline {b}")
    finally:
        con.execute("DETACH pub")
    return problems
