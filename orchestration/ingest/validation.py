"""The pandera gate of the sources read into pandas frames (cases, the interview log, the population
frame): lazy validation, so every failure is found, and one wording of a failure for the refusal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from orchestration.errors import SourceRefused


@dataclass(frozen=True)
class SchemaFailure:
    """One failed check: the frame position of the row (None for a column-wide check), column, rule, value."""

    row: int | None
    column: str
    check: str
    value: object

    @property
    def reason(self) -> str:
        if self.check.startswith("not_nullable"):
            # unquoted: the published reason masks quoted values, and a field name is no personal data
            return f"lacks the required field {self.column}"
        return f"column {self.column}: {self.value!r} breaks the rule {self.check}"


def schema_failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> list[SchemaFailure]:
    """Every failure of ``frame`` against ``schema`` (none when it is valid)."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return [SchemaFailure(None if pd.isna(f["index"]) else int(f["index"]), str(f["column"]), str(f["check"]),
                              f["failure_case"])
                for _, f in errors.failure_cases.iterrows()]
    return []


def refuse_invalid(path: Path | None, schema: pa.DataFrameSchema, frame: pd.DataFrame,
                   where: Callable[[int], str]) -> None:
    """Refuse the file whole at its first failure, named by ``where(row position)``, file, column and rule."""
    failures = schema_failures(schema, frame)
    if failures:
        first = failures[0]
        place = "" if first.row is None else f"{where(first.row)}, "
        more = f" ({len(failures)} failures)" if len(failures) > 1 else ""
        raise SourceRefused(path, f"{place}{first.reason}{more}")
