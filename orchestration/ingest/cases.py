"""Case exports: one JSON object per file in ``cases/``.

Each file is validated alone against the contract (required fields, reference keys); a bad
file is refused and reported while the other cases go on, and two files with the same
``case_id`` are both refused. The contact person is never stored; the summary (free text)
stays in the raw layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.rawstore import copy_to_parquet, replace_folder, write_registry
from orchestration.reference import keys, kommune_codes

REQUIRED = ("case_id", "title", "municipality_code", "lead")
STATUSES = ("videreført", "afsluttet", "sat_på_pause")
LISTS = {"target_groups": "target_groups", "innovation_types": "innovation_types",
         "barriers_overcome": "barriers"}
MAX_CASE_BYTES = 1 << 20


@dataclass
class CaseResult:
    files: list[LandingFile]
    accepted: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)


def case_problem(case: object) -> str | None:
    """Why a parsed case breaks the contract, or None when it is valid."""
    if not isinstance(case, dict):
        return "is not a JSON object"
    for name in REQUIRED:
        if case.get(name) in (None, ""):
            return f"lacks the required field {name!r}"
    if not isinstance(case["case_id"], str) or not isinstance(case["title"], str):
        return "case_id and title must be strings"
    code = case["municipality_code"]
    if isinstance(code, bool) or not isinstance(code, (int, str)) or not str(code).isdigit() \
            or int(code) not in kommune_codes():
        return f"municipality_code {code!r} is not a municipality of the reference list"
    org_types = keys("case_org_types")
    lead = case["lead"]
    if not isinstance(lead, dict) or not isinstance(lead.get("name"), str) or lead.get("type") not in org_types:
        return f"lead must have a name and a type of case_org_types (got {lead!r})"
    partners = case.get("partners", [])
    if not isinstance(partners, list):
        return "partners must be a list"
    for partner in partners:
        if not isinstance(partner, dict) or not isinstance(partner.get("name"), str) \
                or partner.get("type") not in org_types:
            return f"partner {partner!r} needs a name and a type of case_org_types"
    for name, listing in LISTS.items():
        values = case.get(name, [])
        if not isinstance(values, list):
            return f"{name} must be a list"
        unknown = [v for v in values if v not in keys(listing)]
        if unknown:
            return f"{name} holds {unknown[0]!r}, not a key of {listing}"
    if case.get("status") not in (None, *STATUSES):
        return f"status {case.get('status')!r} is not one of {', '.join(STATUSES)}"
    return None


def load_case(path: Path) -> tuple[dict | None, str | None]:
    """Parse and validate one case file: (case, None) or (None, reason)."""
    if path.stat().st_size > MAX_CASE_BYTES:
        return None, f"is larger than {MAX_CASE_BYTES:,} bytes"
    try:
        case = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, f"is not UTF-8 ({error.reason} at byte {error.start})"
    except (json.JSONDecodeError, RecursionError) as error:
        return None, f"is not valid JSON ({error})"
    problem = case_problem(case)
    return (None, problem) if problem else (case, None)


def read_cases(paths: list[Path], raw_dir: Path) -> CaseResult:
    """Validate every case file and write the accepted ones to ``raw/cases/all/``."""
    result = CaseResult([describe(p) for p in paths])
    loaded = []
    for path in paths:
        case, problem = load_case(path)
        if problem:
            result.refused.append({"file": str(path), "case_id": None, "reason": problem})
        else:
            loaded.append((path, case))
    ids = [case["case_id"] for _, case in loaded]
    for path, case in loaded:
        if ids.count(case["case_id"]) > 1:
            result.refused.append({"file": str(path), "case_id": case["case_id"],
                                   "reason": f"case_id {case['case_id']!r} is used by more than one file"})
        else:
            result.accepted.append(case)
    _write(raw_dir, result)
    return result


def _write(raw_dir: Path, result: CaseResult) -> None:
    cases = pd.DataFrame([{
        "case_id": c["case_id"], "title": c["title"], "municipality_code": int(c["municipality_code"]),
        "lead_name": c["lead"]["name"], "lead_type": c["lead"]["type"], "status": c.get("status"),
        "started": c.get("started"), "summary": c.get("summary"),
    } for c in result.accepted], columns=["case_id", "title", "municipality_code", "lead_name", "lead_type",
                                          "status", "started", "summary"])
    partners = pd.DataFrame([{"case_id": c["case_id"], "partner_no": i + 1, "name": p["name"], "type": p["type"]}
                             for c in result.accepted for i, p in enumerate(c.get("partners", []))],
                            columns=["case_id", "partner_no", "name", "type"])
    items = pd.DataFrame([{"case_id": c["case_id"], "list": name, "key": key}
                          for c in result.accepted for name in LISTS for key in c.get(name, [])],
                         columns=["case_id", "list", "key"])
    refused = pd.DataFrame(result.refused, columns=["file", "case_id", "reason"])
    con = duckdb.connect()
    try:
        for name, frame in {"cases_df": cases, "partners_df": partners, "items_df": items,
                            "refused_df": refused}.items():
            con.register(name, frame)
        with replace_folder(raw_dir / "cases" / "all") as out:
            copy_to_parquet(con, """SELECT case_id::VARCHAR AS case_id, title::VARCHAR AS title,
                                       municipality_code::INTEGER AS municipality_code, lead_name::VARCHAR AS lead_name,
                                       lead_type::VARCHAR AS lead_type, status::VARCHAR AS status,
                                       TRY_CAST(started AS DATE) AS started, summary::VARCHAR AS summary
                                FROM cases_df""", out / "cases.parquet")
            copy_to_parquet(con, """SELECT case_id::VARCHAR AS case_id, partner_no::INTEGER AS partner_no,
                                       name::VARCHAR AS name, type::VARCHAR AS type FROM partners_df""",
                            out / "case_partners.parquet")
            copy_to_parquet(con, """SELECT DISTINCT case_id::VARCHAR AS case_id, list::VARCHAR AS list,
                                       key::VARCHAR AS key FROM items_df""", out / "case_items.parquet")
            copy_to_parquet(con, """SELECT file::VARCHAR AS file, case_id::VARCHAR AS case_id,
                                       reason::VARCHAR AS reason FROM refused_df""", out / "refused.parquet")
            write_registry(out, result.files)
    finally:
        con.close()
