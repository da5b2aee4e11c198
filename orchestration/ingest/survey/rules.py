"""A wave's rules: the pandera schema of its rows, re-submissions and the wave threshold.

The schema is built from the wave's own structure and labels (never from guesses): every closed
variable may hold only the codes its labels know, numbers digits, the municipality concept a code
of the reference list, timestamps the tool's formats. It runs lazily on Arrow batches streamed out
of DuckDB into polars (pandera's polars backend: vectorised checks, no Python per row), so every
failure of every row is found; its failure cases are the quarantine.

Tables, on the connection the export was loaded into: ``find_faults`` reads ``ds`` and writes
``quarantine`` (line, variable, value, rule); ``resolve_rows`` reads both and writes ``rows`` (one
per dataset row: respondent facts, ``superseded``, ``quarantined``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from orchestration.errors import SourceRefused
from orchestration.ingest.survey.shape import WaveShape
from orchestration.ingest.survey.structure import Respondent, Variable
from orchestration.reference import kommune_codes

# The tool's timestamps: Danish (layout 1 and the EU export) or ISO (the international export).
TIMESTAMP_FORMATS = ("%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
TIMESTAMP_PATTERN = r"^(\d{2}-\d{2}-\d{4}|\d{4}-\d{2}-\d{2}) \d{2}:\d{2}:\d{2}$"
INTEGER_PATTERN = r"^-?\d+$"
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
BATCH_ROWS = 200_000  # rows per pandera batch: bounded memory, few batches


@dataclass(frozen=True)
class RowCounts:
    """The rows of a wave after re-submissions and the quarantine are settled."""

    read: int
    answered: int  # completed or partly completed, not superseded
    quarantined: int  # not superseded
    superseded: int


def survey_schema(variables: dict[str, Variable], layout: int, respondent: Respondent,
                  kommune: str | None) -> tuple[pa.DataFrameSchema, dict[str, list[str]]]:
    """The pandera schema of a wave and, per column, the rule name of each check by position.

    ``kommune`` is the variable that carries the municipality concept (checked against the
    reference list).
    """
    municipalities = sorted(str(code) for code in kommune_codes())
    required = {respondent.id, respondent.status} if layout == 1 else set()
    columns, rules = {}, {}
    for var in variables.values():
        checks, names = [], []
        if var.kind == "coded" or (var.kind == "number" and var.sub_type == "Number"):
            checks.append(pa.Check.str_matches(INTEGER_PATTERN))
            names.append("non_numeric")
        elif var.kind == "number":
            checks.append(pa.Check.str_matches(DECIMAL_PATTERN))
            names.append("not_a_number")
        if var.kind == "coded" and var.codes:
            checks.append(pa.Check.isin(sorted(var.codes)))
            names.append("unknown_code")
        if var.name == kommune:
            checks.append(pa.Check(lambda data: data.lazyframe.select(
                pl.col(data.key).str.strip_chars_start("0").is_in(municipalities))))
            names.append("unknown_municipality")
        if var.kind == "timestamp":
            checks.append(pa.Check.str_matches(TIMESTAMP_PATTERN))
            names.append("bad_timestamp")
        columns[var.name] = pa.Column(str, checks, nullable=var.name not in required, required=True)
        rules[var.name] = names
    return pa.DataFrameSchema(columns, strict=False, coerce=False), rules


def timestamp_sql(column: str | None) -> str:
    """A timestamp column of the export parsed in either of the tool's formats (NULL when absent)."""
    if not column:
        return "CAST(NULL AS TIMESTAMP)"
    return "coalesce(" + ", ".join(f"try_strptime(\"{column}\", '{f}')" for f in TIMESTAMP_FORMATS) + ")"


def find_faults(con: duckdb.DuckDBPyConnection, wave: WaveShape) -> list[str]:
    """Write every row fault of ``ds`` to ``quarantine``; return the dataset's columns that the
    structure does not describe (dropped). Refuses a dataset that lacks a described variable."""
    variables = wave.variables
    columns = [r[0] for r in con.execute("DESCRIBE ds").fetchall() if r[0] != "_line"]
    missing = [v for v in variables if v not in columns]
    if missing:
        raise SourceRefused(wave.dataset, f"lacks the variable {missing[0]!r} that the structure names")
    con.execute("CREATE TABLE quarantine (line BIGINT, variable VARCHAR, value VARCHAR, rule VARCHAR)")
    schema, rules = survey_schema(variables, wave.layout, wave.respondent, wave.kommune)
    # A cursor of its own: the quarantine inserts below must not end this stream.
    stream = con.cursor().sql("SELECT _line, " + ", ".join(f'"{n}"' for n in variables) + " FROM ds")
    for batch in stream.to_arrow_reader(BATCH_ROWS):
        _quarantine_failures(con, schema, rules, pl.from_arrow(batch))
    if len(wave.respondent.status_dummies) > 1:  # layout 2: exactly one status dummy is 1
        ones = wave.respondent.dummies_set_sql()
        con.execute(f"""INSERT INTO quarantine SELECT _line, 'statoverall', CAST({ones} AS VARCHAR),
                        'status_not_exactly_one' FROM ds
                        WHERE {ones} <> 1 AND _line NOT IN (SELECT line FROM quarantine)""")
    return [c for c in columns if c not in variables]


def _quarantine_failures(con: duckdb.DuckDBPyConnection, schema: pa.DataFrameSchema, rules: dict[str, list[str]],
                         frame: pl.DataFrame) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases.filter(pl.col("index").is_not_null())
        if cases.is_empty():
            raise
        # A failure's index is its position in the batch; the quarantine wants the file's line.
        rule_of = {(column, number): name for column, names in rules.items() for number, name in enumerate(names)}
        cases = cases.select(
            frame["_line"].gather(cases["index"]).alias("line"),
            pl.col("column").alias("variable"),
            pl.col("failure_case").cast(pl.String).alias("value"),
            pl.Series("rule", [
                "missing_value" if check.startswith("not_nullable")
                else rule_of[column, number] if number is not None else check
                for column, check, number in cases.select("column", "check", "check_number").iter_rows()
            ], dtype=pl.String),
        ).unique(["line", "variable"], keep="first", maintain_order=True)  # non-numeric fails the code list too
        con.register("failure_cases", cases.to_arrow())
        con.execute("INSERT INTO quarantine SELECT line, variable, value, rule FROM failure_cases")
        con.unregister("failure_cases")


def org_id_sql(column: str | None) -> str:
    """The organisation id of a row as one spelling in every wave: trimmed, upper case, and an integer id
    without the ``.0`` a workbook's number cell gives it (``1042.0`` is ``1042``); NULL when blank."""
    if not column:
        return "CAST(NULL AS VARCHAR)"
    trimmed = f'upper(trim("{column}"))'
    return (f"nullif(CASE WHEN regexp_full_match({trimmed}, '-?[0-9]+\\.0+') "
            f"THEN regexp_replace({trimmed}, '\\.0+$', '') ELSE {trimmed} END, '')")


def resolve_rows(con: duckdb.DuckDBPyConnection, wave: WaveShape) -> RowCounts:
    """Write ``rows``: re-submissions settled (the latest ``submitted``, or ``modified`` then
    closeTime, wins) and quarantined rows marked; a superseded row's faults leave the quarantine."""
    who = wave.respondent
    rid = f'"{who.id}"' if who.id else "CAST(NULL AS VARCHAR)"
    if who.status:
        status = f'TRY_CAST("{who.status}" AS INTEGER)'
    elif who.status_dummies:  # the dummy that is 1; none when not exactly one is (a row fault)
        ones = who.dummies_set_sql()
        status = (f"CASE WHEN {ones} = 1 THEN CASE "
                  + " ".join(f"WHEN \"{v}\" = '1' THEN {code}" for code, v in who.status_dummies) + " END END")
    else:
        status = "4"  # an export without statoverall counts every row as completed
    latest = ", ".join(f"{timestamp_sql(c)} DESC NULLS LAST" for c in (who.modified, who.submitted) if c)
    con.execute(f"""
        CREATE TABLE rows AS
        SELECT _line AS line, {rid} AS respondentid, {status} AS statoverall,
               {timestamp_sql(who.started)} AS started_local,
               {timestamp_sql(who.submitted)} AS submitted_local,
               row_number() OVER (PARTITION BY {rid} ORDER BY {latest + ", " if latest else ""}_line DESC) > 1
                   AND {rid} IS NOT NULL AS superseded,
               _line IN (SELECT line FROM quarantine) AS quarantined,
               {f'lower(trim("{wave.org_name}"))' if wave.org_name else "NULL"} AS org_name_folded,
               {org_id_sql(wave.org_id)} AS org_id
        FROM ds""")
    # A superseded row is not counted, so its faults do not count against the wave either.
    con.execute("DELETE FROM quarantine WHERE line IN (SELECT line FROM rows WHERE superseded)")
    answered, quarantined, superseded, total = con.execute("""
        SELECT count(*) FILTER (WHERE statoverall IN (3, 4) AND NOT superseded),
               count(*) FILTER (WHERE quarantined AND NOT superseded),
               count(*) FILTER (WHERE superseded), count(*) FROM rows""").fetchone()
    return RowCounts(total, answered, quarantined, superseded)


def check_threshold(con: duckdb.DuckDBPyConnection, counts: RowCounts, threshold: float, dataset: Path) -> None:
    """Refuse the wave when its quarantined rows exceed ``threshold`` of its answered rows."""
    answered, quarantined = max(counts.answered, 1), counts.quarantined
    if quarantined > threshold * answered:
        rules = ", ".join(f"{v}: {r}" for v, r in con.execute(
            "SELECT variable, rule FROM quarantine GROUP BY ALL ORDER BY count(*) DESC LIMIT 3").fetchall())
        raise SourceRefused(dataset, f"{quarantined} quarantined rows are {quarantined / answered:.1%} of "
                                     f"{counts.answered} answered rows, above the {threshold:.0%} threshold ({rules})")


def quarantine_preview(con: duckdb.DuckDBPyConnection) -> str:
    """The first quarantine rows as markdown: line, variable and rule, never the value (it may be
    personal data typed in the wrong field, and Dagster's event log is not the place for it)."""
    frame = con.execute("SELECT line, variable, rule FROM quarantine ORDER BY line, variable LIMIT 20").df()
    return frame.to_markdown(index=False) if len(frame) else ""
