"""The expert-interview log: the ``Interviews`` sheet of a hand-kept workbook.

Sector and theme labels are matched to the reference lists case- and space-insensitively.
An interview without consent is counted and nothing else of it is kept. The expert's name,
e-mail, phone and organisation are never stored; the expert is kept as a keyed pseudonym.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from orchestration.ingest import excel
from orchestration.errors import SourceRefused
from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.pseudonym import hmac_python
from orchestration.ingest.rawstore import RawTable, write_raw_set
from orchestration.ingest.validation import refuse_invalid
from orchestration.reference import fold_label, label_to_key

SHEET = "Interviews"
COLUMNS = ("Interview-ID", "Dato", "Interviewer", "Navn", "E-mail", "Telefon", "Organisation", "Sektor",
           "Rolle", "Temaer", "Varighed (min)", "Samtykke", "Status")
STATUSES = ("Gennemført", "Planlagt", "Aflyst")

INTERVIEW_SCHEMA = pa.DataFrameSchema(
    {
        "interview_id": pa.Column(str, pa.Check.str_matches(r"^I-\d{3,}$"), unique=True),
        "consent": pa.Column(bool),
        "status": pa.Column(str, pa.Check.isin(STATUSES), nullable=True),
        "sector": pa.Column(str, nullable=True),
        "duration_min": pa.Column("Int64", pa.Check.in_range(1, 600), nullable=True),
    },
    strict=False,
)


@dataclass
class InterviewResult:
    files: list[LandingFile]
    rows_read: int = 0
    without_consent: int = 0
    quarantine: list[dict] = field(default_factory=list)


RAW_COLUMNS = ("interview_id", "line", "consent", "interview_date", "expert_key", "sector", "role", "duration_min",
               "status")


def read_interview_log(path: Path | None, raw_dir: Path, key: bytes) -> InterviewResult:
    """Read the log into ``raw/interviews/log/``; refuse it whole when it breaks the contract.

    The log is optional (sources.md): without one (``path`` None) the tables are written empty.
    """
    if path is None:
        result = InterviewResult([])
        _write(raw_dir, pd.DataFrame(columns=list(RAW_COLUMNS)), pd.DataFrame(columns=["interview_id", "theme"]),
               result)
        return result
    result = InterviewResult([describe(path)])
    book = excel.open_workbook(path, required_sheets=(SHEET,))
    try:
        iterator = excel.rows(book, SHEET)
        header = [excel.cell_text(c) for c in next(iterator, ())]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise SourceRefused(path, f"sheet {SHEET!r} lacks the column {missing[0]!r}")
        pos = {c: header.index(c) for c in COLUMNS}
        records = [(n, row) for n, row in enumerate(iterator, start=2) if any(v is not None for v in row)]
    finally:
        book.close()
    sectors, themes = label_to_key("interview_sectors"), label_to_key("themes")
    interviews, theme_rows = [], []
    for line, row in records:
        cell = {c: (row[i] if i < len(row) else None) for c, i in pos.items()}
        interview_id = excel.cell_text(cell["Interview-ID"])
        consent = fold_label(excel.cell_text(cell["Samtykke"])) == "ja"
        base = {"interview_id": interview_id, "line": line, "consent": consent, "interview_date": None,
                "expert_key": None, "sector": None, "role": None, "duration_min": None, "status": None}
        result.rows_read += 1
        if not consent:  # counted, nothing else kept
            result.without_consent += 1
            interviews.append(base)
            continue
        sector_label = excel.cell_text(cell["Sektor"])
        sector = sectors.get(fold_label(sector_label))
        if sector is None:
            result.quarantine.append({"line": line, "interview_id": interview_id, "variable": "Sektor",
                                      "value": sector_label, "rule": "unknown_sector"})
        for label in excel.cell_text(cell["Temaer"]).split(","):
            if not label.strip():
                continue
            theme = themes.get(fold_label(label))
            if theme is None:
                result.quarantine.append({"line": line, "interview_id": interview_id, "variable": "Temaer",
                                          "value": label.strip(), "rule": "unknown_theme"})
            else:
                theme_rows.append({"interview_id": interview_id, "theme": theme})
        date = cell["Dato"]
        identity = f"{fold_label(excel.cell_text(cell['Navn']))}|{fold_label(excel.cell_text(cell['E-mail']))}"
        duration = excel.cell_text(cell["Varighed (min)"])
        interviews.append({
            **base,
            "interview_date": date.date() if isinstance(date, dt.datetime) else None,
            "expert_key": hmac_python(key, "expert:" + identity),
            "sector": sector,
            "role": excel.cell_text(cell["Rolle"]) or None,
            "duration_min": int(duration) if duration.isdigit() else None,
            "status": excel.cell_text(cell["Status"]) or None,
        })
    frame = pd.DataFrame(interviews, columns=list(RAW_COLUMNS))
    frame["duration_min"] = frame["duration_min"].astype("Int64")
    refuse_invalid(path, INTERVIEW_SCHEMA, frame, where=lambda row: f"sheet {SHEET!r} line {frame['line'].iloc[row]}")
    _write(raw_dir, frame, pd.DataFrame(theme_rows, columns=["interview_id", "theme"]), result)
    return result


def _write(raw_dir: Path, interviews: pd.DataFrame, themes: pd.DataFrame, result: InterviewResult) -> None:
    quarantine = pd.DataFrame(result.quarantine, columns=["line", "interview_id", "variable", "value", "rule"])
    write_raw_set(raw_dir / "interviews" / "log", [
        RawTable("interviews", interviews, {
            "interview_id": "VARCHAR", "line": "BIGINT", "consent": "BOOLEAN", "interview_date": "DATE",
            "expert_key": "VARCHAR", "sector": "VARCHAR", "role": "VARCHAR", "duration_min": "INTEGER",
            "status": "VARCHAR"}),
        RawTable("interview_themes", themes, {"interview_id": "VARCHAR", "theme": "VARCHAR"}, distinct=True),
        RawTable("quarantine", quarantine, {"line": "BIGINT", "interview_id": "VARCHAR", "variable": "VARCHAR",
                                            "value": "VARCHAR", "rule": "VARCHAR"}),
    ], result.files)
