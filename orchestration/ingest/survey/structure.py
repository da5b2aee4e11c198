"""A wave's structure and labels: its variables, its layout and where the respondent facts are.

Pure functions of the rows of the structure and labels (sources.md 1 and 1b); nothing is read
from disk here, so each rule is tested on a few rows made in the test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.errors import SourceRefused

STRUCTURE_COLUMNS = ("questionName", "variableName", "questionType", "subType", "questionText",
                     "choiceValue", "choiceText")
# Layout 2's system questions (sources.md 1b): kept in raw, never published, no frequencies.
SYSTEM_QUESTIONS = frozenset({
    "respondentid", "statoverall", "startTime", "closeTime", "created", "modified", "diffTime", "email", "survey",
    "organization", "lang", "responseCollectSessions", "numberOfReturnedmail", "importgroup",
    "distributionschedule", "digitalDistributionStatus", "digitalDistributionErrorMessage"})
KNOWN_SUBTYPES = {"Closed": {"Single", "Multiple"}, "Background": {"Single", "Multiple"},
                  "Open": {"String", "Double", "Date", "Number", "DateTime"}}


@dataclass(frozen=True)
class Variable:
    """A variable as the structure and labels describe it."""

    name: str
    question: str
    question_type: str
    sub_type: str
    text: str
    labels: tuple[tuple[str, str], ...]  # (code, label): the valid codes of a closed variable
    choice_value: str = ""  # a multiple-choice option's identity (layout 2)
    position: int = 0  # order in the structure

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code, _label in self.labels)

    @property
    def known_type(self) -> bool:
        return self.sub_type in KNOWN_SUBTYPES.get(self.question_type, ())

    @property
    def kind(self) -> str:
        """``coded`` (closed), ``number``, ``timestamp`` or ``text`` (free text, and unknown types)."""
        if not self.known_type:
            return "text"
        if self.question_type != "Open":
            return "coded"
        return {"Number": "number", "Double": "number", "DateTime": "timestamp", "Date": "timestamp"}.get(
            self.sub_type, "text")

    @property
    def system(self) -> bool:
        """One of the tool's system variables (layout 2: status, timestamps, bookkeeping, e-mail)."""
        return self.question in SYSTEM_QUESTIONS or self.question.startswith("stat")


def parse_structure(rows: list[list[str]], labels: list[list[str]], path: Path,
                    labels_path: Path | None = None) -> dict[str, Variable]:
    """Variables from the structure rows (header first) and the label rows (no header)."""
    if not rows:
        raise SourceRefused(path, "is empty")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in STRUCTURE_COLUMNS if c not in header]
    if missing:
        raise SourceRefused(path, f"lacks the column {missing[0]!r} (header {header})")
    pos = {name: header.index(name) for name in STRUCTURE_COLUMNS}
    value_labels: dict[str, dict[str, str]] = {}
    for number, row in enumerate(labels, start=1):
        if len(row) < 3 or not row[0].strip():
            raise SourceRefused(labels_path or path, f"labels row {number} is not variableName;value;valueLabel")
        value_labels.setdefault(row[0].strip(), {})[_code_text(row[1])] = row[2].strip()
    variables: dict[str, Variable] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(STRUCTURE_COLUMNS) - 2:
            raise SourceRefused(path, f"line {number} has {len(row)} fields; the structure has 7 columns")
        cell = {name: (row[i].strip() if i < len(row) else "") for name, i in pos.items()}
        name = cell["variableName"]
        if not name:
            raise SourceRefused(path, f"line {number} has no variableName")
        if name in variables:
            continue
        default = {"0": "Ikke valgt", "1": "Valgt"} if cell["subType"] == "Multiple" else {}
        variables[name] = Variable(name, cell["questionName"] or name, cell["questionType"], cell["subType"],
                                   cell["questionText"], tuple(value_labels.get(name, default).items()),
                                   _code_text(cell["choiceValue"]), len(variables))
    return variables


def _code_text(value: str) -> str:
    """A code as text without a decimal part (``1.0`` from a workbook is ``1``)."""
    value = value.strip()
    return value[:-2] if value.endswith(".0") and value[:-2].lstrip("-").isdigit() else value


def layout_of(variables: dict[str, Variable]) -> int:
    """Layout 1 when the structure describes one variable named statoverall; layout 2 otherwise."""
    return 1 if "statoverall" in variables and variables["statoverall"].sub_type != "Multiple" else 2


@dataclass(frozen=True)
class Respondent:
    """Where a wave's respondent facts are: the id, the status (code or dummies) and the timestamps."""

    id: str | None
    status: str | None  # layout 1: the variable holding the code
    status_dummies: tuple[tuple[int, str], ...]  # layout 2: (status code, variable)
    started: str | None
    submitted: str | None
    modified: str | None

    @property
    def columns(self) -> set[str]:
        return {c for c in (self.id, self.status, self.started, self.submitted, self.modified) if c} | {
            v for _code, v in self.status_dummies}

    def dummies_set_sql(self) -> str:
        """SQL counting the status dummies that are 1 in a row (exactly one should be)."""
        return " + ".join(f"CASE WHEN \"{v}\" = '1' THEN 1 ELSE 0 END" for _c, v in self.status_dummies)


def respondent_columns(variables: dict[str, Variable], layout: int, source: Path) -> Respondent:
    """The respondent variables of a wave (sources.md 1 and 1b)."""
    if layout == 1:
        for name in ("respondentid", "started", "submitted"):
            if name not in variables:
                raise SourceRefused(source, f"describes statoverall but not {name} (layout 1)")
        return Respondent("respondentid", "statoverall", (), "started", "submitted", None)
    by_question: dict[str, list[Variable]] = {}
    for var in variables.values():
        by_question.setdefault(var.question, []).append(var)

    def one(question: str) -> str | None:
        found = by_question.get(question, [])
        return found[0].name if found else None

    dummies = []
    for var in by_question.get("statoverall", []):
        if not var.choice_value.isdigit() or not 1 <= int(var.choice_value) <= 5:
            raise SourceRefused(source, f"statoverall option {var.name!r} has choiceValue {var.choice_value!r}, "
                                        "not 1 to 5")
        dummies.append((int(var.choice_value), var.name))
    return Respondent(one("respondentid"), None, tuple(sorted(dummies)), one("startTime"), one("closeTime"),
                      one("modified"))
