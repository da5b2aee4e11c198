"""Case exports: one JSON object per file in ``cases/``.

Each file is parsed alone (JSON and its shape), then every case is validated by a pandera schema
(required fields, reference keys; lazily, so each file's failure is named); a bad
file is refused and reported while the other cases go on, and two files with the same
``case_id`` are both refused; a partner named twice is counted once and noted. The contact person is never stored; the summary (free text)
stays in the raw layer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.rawstore import RawTable, write_raw_set
from orchestration.ingest.validation import schema_failures
from orchestration.reference import fold_label, keys, kommune_codes

STATUSES = ("videreført", "afsluttet", "sat_på_pause")
LISTS = {"target_groups": "target_groups", "innovation_types": "innovation_types",
         "barriers_overcome": "barriers"}
MAX_CASE_BYTES = 1 << 20


@dataclass
class CaseResult:
    files: list[LandingFile]
    accepted: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # settled at ingestion: (file, case_id, note)


def distinct_partners(case: dict) -> tuple[list[dict], list[str]]:
    """A case's partners with each (name, type) counted once (hand-written files repeat one), and
    the repeats found. Names are compared case- and space-folded."""
    seen, partners, repeats = set(), [], []
    for partner in case.get("partners", []):
        identity = (fold_label(partner["name"]), partner["type"])
        if identity in seen:
            repeats.append(partner["name"])
        else:
            seen.add(identity)
            partners.append(partner)
    return partners, repeats


def case_schema() -> pa.DataFrameSchema:
    """The pandera schema of flattened cases (one row per file): required fields and reference keys."""
    org_types = keys("case_org_types")

    def keys_of(listing: str) -> pa.Check:
        allowed = keys(listing)
        return pa.Check(lambda values: all(isinstance(v, str) and v in allowed for v in values),
                        element_wise=True, name=f"keys of {listing}")

    text = pa.Check(lambda value: isinstance(value, str) and value.strip() != "", element_wise=True,
                    name="non-empty text")
    return pa.DataFrameSchema({
        "case_id": pa.Column(object, text),
        "title": pa.Column(object, text),
        "municipality_code": pa.Column(object, pa.Check(
            lambda code: not isinstance(code, bool) and str(code).isdigit() and int(code) in kommune_codes(),
            element_wise=True, name="a municipality of the reference list")),
        "lead_name": pa.Column(object, text),
        "lead_type": pa.Column(object, pa.Check.isin(sorted(org_types))),
        "partner_names": pa.Column(object, pa.Check(lambda names: all(isinstance(n, str) and n for n in names),
                                                    element_wise=True, name="partner names")),
        "partner_types": pa.Column(object, keys_of("case_org_types")),
        **{name: pa.Column(object, keys_of(listing)) for name, listing in LISTS.items()},
        "status": pa.Column(object, pa.Check.isin(STATUSES), nullable=True),
    })


def flatten(case: object) -> tuple[dict | None, str | None]:
    """The JSON shape of a case as one flat row, or the reason it has not the contract's shape."""
    if not isinstance(case, dict):
        return None, "is not a JSON object"
    lead, partners = case.get("lead"), case.get("partners", [])
    if not isinstance(lead, dict):
        return None, f"lacks the required field lead as an object with name and type (got {lead!r})"
    if not isinstance(partners, list) or not all(isinstance(p, dict) for p in partners):
        return None, "partners must be a list of objects with name and type"
    lists = {name: case.get(name, []) for name in LISTS}
    bad = [name for name, values in lists.items() if not isinstance(values, list)]
    if bad:
        return None, f"{bad[0]} must be a list"
    return {"case_id": case.get("case_id"), "title": case.get("title"),
            "municipality_code": case.get("municipality_code"), "lead_name": lead.get("name"),
            "lead_type": lead.get("type"), "partner_names": [p.get("name") for p in partners],
            "partner_types": [p.get("type") for p in partners], **lists, "status": case.get("status")}, None


def validate_cases(rows: list[dict]) -> dict[int, str]:
    """Lazy pandera validation of flattened cases: the first failure of each failing row, by position."""
    frame = pd.DataFrame(rows, columns=list(case_schema().columns), dtype=object)
    problems: dict[int, str] = {}
    for failure in schema_failures(case_schema(), frame):
        if failure.row is not None:
            problems.setdefault(failure.row, failure.reason)
    return problems


def load_case(path: Path) -> tuple[dict | None, dict | None, str | None]:
    """Parse one case file: (case, flat row, None) or (None, None, reason)."""
    if path.stat().st_size > MAX_CASE_BYTES:
        return None, None, f"is larger than {MAX_CASE_BYTES:,} bytes"
    try:
        case = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        return None, None, f"is not UTF-8 ({error.reason} at byte {error.start})"
    except (json.JSONDecodeError, RecursionError) as error:
        return None, None, f"is not valid JSON ({error})"
    row, problem = flatten(case)
    return (None, None, problem) if problem else (case, row, None)


def read_cases(paths: list[Path], raw_dir: Path) -> CaseResult:
    """Validate every case file and write the accepted ones to ``raw/cases/all/``."""
    result = CaseResult([describe(p) for p in paths])
    parsed = []
    for path in paths:
        case, row, problem = load_case(path)
        if problem:
            result.refused.append({"file": str(path), "case_id": None, "reason": problem})
        else:
            parsed.append((path, case, row))
    problems = validate_cases([row for _, _, row in parsed])
    loaded = []
    for position, (path, case, _row) in enumerate(parsed):
        if position in problems:
            result.refused.append({"file": str(path), "case_id": str(case.get("case_id")),
                                   "reason": problems[position]})
        else:
            loaded.append((path, case))
    ids = [case["case_id"] for _, case in loaded]
    for path, case in loaded:
        if ids.count(case["case_id"]) > 1:
            result.refused.append({"file": str(path), "case_id": case["case_id"],
                                   "reason": f"case_id {case['case_id']!r} is used by more than one file"})
        else:
            partners, repeats = distinct_partners(case)
            if repeats:
                result.notes.append({"file": str(path), "case_id": case["case_id"],
                                     "note": f"names the partner {repeats[0]!r} more than once; counted once"})
            result.accepted.append({**case, "partners": partners})
    _write(raw_dir, result)
    return result


def _write(raw_dir: Path, result: CaseResult) -> None:
    cases = pd.DataFrame([{
        "case_id": c["case_id"], "title": c["title"], "municipality_code": int(c["municipality_code"]),
        "lead_name": c["lead"]["name"], "lead_type": c["lead"]["type"], "status": c.get("status"),
        "started": c.get("started"), "summary": c.get("summary"),
    } for c in result.accepted])
    partners = pd.DataFrame([{"case_id": c["case_id"], "partner_no": i + 1, "name": p["name"], "type": p["type"]}
                             for c in result.accepted for i, p in enumerate(c.get("partners", []))])
    items = pd.DataFrame([{"case_id": c["case_id"], "list": name, "key": key}
                          for c in result.accepted for name in LISTS for key in c.get(name, [])])
    text = "VARCHAR"
    write_raw_set(raw_dir / "cases" / "all", [
        # the start date is free in the contract: one that is not a date is kept as unknown
        RawTable("cases", cases, {"case_id": text, "title": text, "municipality_code": "INTEGER", "lead_name": text,
                                  "lead_type": text, "status": text, "started": "DATE", "summary": text},
                 lenient=("started",)),
        RawTable("case_partners", partners, {"case_id": text, "partner_no": "INTEGER", "name": text, "type": text}),
        RawTable("case_items", items, {"case_id": text, "list": text, "key": text}, distinct=True),
        RawTable("refused", pd.DataFrame(result.refused), {"file": text, "case_id": text, "reason": text}),
        RawTable("notes", pd.DataFrame(result.notes), {"file": text, "case_id": text, "note": text}),
    ], result.files)
