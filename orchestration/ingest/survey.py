"""Survey waves: read the tool's export (three CSV files or one workbook) into the raw layer.

The pandera schema of a wave is built from its own structure and labels (never from
guesses): every closed variable may hold only the codes its labels know, numeric variables
digits, ``kommune`` a code of the reference list, timestamps the tool's Danish format. The
schema runs lazily on Arrow batches streamed out of DuckDB into polars (pandera's polars
backend: vectorised checks, no Python per row), so every failure of every row is found; its
failure cases are the quarantine (wave, file, line, respondentid, variable, value, rule).
Wave faults raise ``SourceRefused`` before anything is written, so the last good version of
the wave stays in place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from orchestration.ingest import excel
from orchestration.ingest.errors import SourceRefused
from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.pseudonym import hmac_sql
from orchestration.ingest.rawstore import copy_to_parquet, replace_folder, write_registry
from orchestration.ingest.textfiles import open_text_export, read_records
from orchestration.reference import kommune_codes

CSV_FILES = ("dataset.csv", "structure.csv", "labels.csv")
EXCEL_FILE = "dataset.xlsx"
STRUCTURE_COLUMNS = ("questionName", "variableName", "questionType", "subType", "questionText",
                     "choiceValue", "choiceText")
TIMESTAMP_FORMAT = "%d-%m-%Y %H:%M:%S"
TIMESTAMP_PATTERN = r"^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$"
INTEGER_PATTERN = r"^\d+$"
BATCH_ROWS = 200_000  # rows per pandera batch: bounded memory, few batches
# Variables the raw respondents table keeps as columns; every other one goes to the long answers.
RESPONDENT_VARIABLES = ("respondentid", "statoverall", "started", "submitted")
# Bumped whenever the raw layout of a wave changes, so unchanged exports are read again after an upgrade.
RAW_FORMAT_VERSION = "2"


@dataclass(frozen=True)
class Variable:
    """A variable as the structure and labels describe it."""

    name: str
    question: str
    question_type: str
    sub_type: str
    text: str
    labels: tuple[tuple[str, str], ...]  # (code, label): the valid codes of a closed variable

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code, _label in self.labels)

    @property
    def kind(self) -> str:
        """``coded`` (closed, labelled), ``number``, ``timestamp`` or ``text`` (free text)."""
        if self.question_type != "Open":
            return "coded"
        return {"Number": "number", "DateTime": "timestamp"}.get(self.sub_type, "text")


@dataclass
class WaveResult:
    """What reading a wave found; becomes the materialisation's metadata."""

    wave_id: str
    files: list[LandingFile]
    rows_read: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    rows_answered: int = 0
    columns_dropped: list[str] = field(default_factory=list)
    quarantine_preview: str = ""
    encoding: str = ""
    delimiter: str = ""


def wave_files(wave_dir: Path) -> tuple[str, list[Path]]:
    """The export format of a wave folder (``csv`` or ``excel``) and its files; refuses a
    folder where a file of the three-file export is missing."""
    present = {p.name for p in wave_dir.iterdir() if p.is_file()} if wave_dir.is_dir() else set()
    if EXCEL_FILE in present and not present & set(CSV_FILES):
        return "excel", [wave_dir / EXCEL_FILE]
    missing = [name for name in CSV_FILES if name not in present]
    if missing:
        raise SourceRefused(wave_dir / missing[0], f"is missing: the CSV export needs {', '.join(CSV_FILES)}")
    return "csv", [wave_dir / name for name in CSV_FILES]


def parse_structure(rows: list[list[str]], labels: list[list[str]], path: Path) -> dict[str, Variable]:
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
            raise SourceRefused(path.with_name("labels.csv") if path.suffix == ".csv" else path,
                                f"labels row {number} is not variableName;value;valueLabel")
        value_labels.setdefault(row[0].strip(), {})[row[1].strip()] = row[2].strip()
    variables: dict[str, Variable] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(STRUCTURE_COLUMNS) - 2:
            raise SourceRefused(path, f"line {number} has {len(row)} fields; the structure has 7 columns")
        cell = {name: (row[i].strip() if i < len(row) else "") for name, i in pos.items()}
        name = cell["variableName"]
        if name in variables:
            continue
        default = {"0": "Ikke valgt", "1": "Valgt"} if cell["subType"] == "Multiple" else {}
        variables[name] = Variable(name, cell["questionName"], cell["questionType"], cell["subType"],
                                   cell["questionText"], tuple(value_labels.get(name, default).items()))
    if "respondentid" not in variables or "statoverall" not in variables:
        raise SourceRefused(path, "does not describe respondentid and statoverall")
    return variables


def survey_schema(variables: dict[str, Variable]) -> tuple[pa.DataFrameSchema, dict[str, list[str]]]:
    """The pandera schema of a wave and, per column, the rule name of each check by position."""
    municipalities = sorted(str(code) for code in kommune_codes())
    columns, rules = {}, {}
    for var in variables.values():
        checks, names = [], []
        if var.kind in ("coded", "number"):
            checks.append(pa.Check.str_matches(INTEGER_PATTERN))
            names.append("non_numeric")
        if var.kind == "coded" and var.codes:
            checks.append(pa.Check.isin(sorted(var.codes)))
            names.append("unknown_code")
        if var.name == "kommune":
            checks.append(pa.Check(lambda data: data.lazyframe.select(
                pl.col(data.key).str.strip_chars_start("0").is_in(municipalities))))
            names.append("unknown_municipality")
        if var.kind == "timestamp":
            checks.append(pa.Check.str_matches(TIMESTAMP_PATTERN))
            names.append("bad_timestamp")
        nullable = var.name not in ("respondentid", "statoverall")
        columns[var.name] = pa.Column(str, checks, nullable=nullable, required=True)
        rules[var.name] = names
    return pa.DataFrameSchema(columns, strict=False, coerce=False), rules


class WaveReader:
    """Reads one wave folder into the raw layer (``raw/survey/wave=<id>/``)."""

    def __init__(self, wave_id: str, wave_dir: Path, raw_dir: Path, work_dir: Path,
                 pseudonym_key: bytes, threshold: float, memory_limit: str = "2GB") -> None:
        self.wave_id = wave_id
        self.wave_dir = wave_dir
        self.target = raw_dir / "survey" / f"wave={wave_id}"
        self.work_dir = work_dir / f"survey-{wave_id}"
        self.key = pseudonym_key
        self.threshold = threshold
        self.memory_limit = memory_limit

    # -- registry -----------------------------------------------------------------------
    def unchanged(self, files: list[LandingFile]) -> bool:
        """True when the raw layer already holds exactly these files (by name and sha256)."""
        registry = self.target / "files.parquet"
        if not registry.exists():
            return False
        if not self._has_version(registry):
            return False
        # A connection of its own: the process-wide default one is shared by every thread of a run.
        with duckdb.connect() as con:
            seen = con.execute(f"SELECT file_name, sha256, format_version FROM read_parquet('{registry}', "
                               f"union_by_name = true)").fetchall()
        return sorted(seen) == sorted((f.path.name, f.sha256, RAW_FORMAT_VERSION) for f in files)

    @staticmethod
    def _has_version(registry: Path) -> bool:
        with duckdb.connect() as con:
            columns = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{registry}')").fetchall()
        return any(c[0] == "format_version" for c in columns)

    # -- reading ------------------------------------------------------------------------
    def read(self, force: bool = False) -> WaveResult | None:
        """Ingest the wave; None when its files are unchanged since the last good ingestion."""
        kind, paths = wave_files(self.wave_dir)
        files = [describe(p) for p in paths]
        if not force and self.unchanged(files):
            return None
        result = WaveResult(self.wave_id, files)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = true")
            con.execute(f"SET temp_directory = '{self.work_dir / 'duckdb.tmp'}'")
            # Unbounded, DuckDB would hold a national-panel wave (and the sort of its answers) in
            # memory, about 10 GB at 2.3 million invited; bounded, it spills.
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            if kind == "csv":
                dataset_name, variables = self._load_csv(con, paths, result)
            else:
                dataset_name, variables = self._load_excel(con, paths[0], result)
            self._apply_rules(con, variables, dataset_name, result)
            self._write(con, files, result)
        finally:
            con.close()
        return result

    def _load_csv(self, con, paths: list[Path], result: WaveResult) -> tuple[str, dict[str, Variable]]:
        dataset, structure, labels = (open_text_export(p, self.work_dir) for p in paths)
        result.encoding, result.delimiter = dataset.encoding, dataset.delimiter
        variables = parse_structure(read_records(structure.utf8_path, structure.delimiter, structure.source),
                                    read_records(labels.utf8_path, labels.delimiter, labels.source), structure.source)
        self._load_dataset(con, dataset.utf8_path, dataset.delimiter, dataset.header, dataset.source)
        return dataset.source.name, variables

    def _load_excel(self, con, path: Path, result: WaveResult) -> tuple[str, dict[str, Variable]]:
        book = excel.open_workbook(path, required_sheets=("Dataset", "Structure", "Labels"))
        try:
            structure = [[excel.cell_text(c) for c in row] for row in excel.rows(book, "Structure")]
            labels = [[excel.cell_text(c) for c in row] for row in excel.rows(book, "Labels")]
            variables = parse_structure(structure, [r for r in labels if any(r)], path)
            target = self.work_dir / "dataset.xlsx.utf8"
            header = excel.sheet_to_csv(book, "Dataset", target, path)
        finally:
            book.close()
        result.encoding, result.delimiter = "xlsx", ";"
        self._load_dataset(con, target, ";", header, path, excel_lines=True)
        return f"{path.name}#Dataset", variables

    def _load_dataset(self, con, utf8_path: Path, delimiter: str, header: list[str], source: Path,
                      excel_lines: bool = False) -> None:
        """Load the dataset (all text) into table ``ds`` with its physical line number ``_line``."""
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise SourceRefused(source, f"has the column {dupes[0]!r} more than once")
        if not all(header):
            raise SourceRefused(source, "has a column without a name in its header row")
        positional = {f"c{i}": "VARCHAR" for i in range(len(header) + (1 if excel_lines else 0))}
        select = ", ".join(f'NULLIF(TRIM(c{i}), \'\') AS "{name}"' for i, name in enumerate(header))
        delim = "\\t" if delimiter == "\t" else delimiter
        reader = (f"read_csv('{utf8_path}', delim='{delim}', quote='\"', escape='\"', header=true, "
                  f"columns={positional!r}, strict_mode=true, null_padding=false, max_line_size=4000000)")
        if excel_lines:  # the Excel reader wrote the sheet row number as the last field
            line = f"CAST(c{len(header)} AS BIGINT)"
        else:
            # A quoted field may hold line breaks: the physical line of record n is n + 1 plus
            # the line breaks inside all records before it.
            breaks = " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)"
                                for i in range(len(header)))
            line = (f"CAST(_rn + 1 + coalesce(sum({breaks}) OVER (ORDER BY _rn ROWS BETWEEN UNBOUNDED PRECEDING "
                    f"AND 1 PRECEDING), 0) AS BIGINT)")
        try:
            con.execute(f"""
                CREATE TABLE ds AS
                WITH src AS (SELECT row_number() OVER () AS _rn, * FROM {reader})
                SELECT {line} AS _line, {select} FROM src ORDER BY _rn""")
        except duckdb.Error as error:
            detail = str(error).splitlines()[0][:300]
            raise SourceRefused(source, f"is truncated or malformed (not a complete CSV table: {detail})") from None
        if con.execute("SELECT count(*) FROM ds").fetchone()[0] == 0:
            raise SourceRefused(source, "is empty (a header row but no respondents)")

    # -- rules --------------------------------------------------------------------------
    def _apply_rules(self, con, variables: dict[str, Variable], dataset_name: str, result: WaveResult) -> None:
        columns = [r[0] for r in con.execute("DESCRIBE ds").fetchall() if r[0] != "_line"]
        missing = [v for v in variables if v not in columns]
        if missing:
            raise SourceRefused(self.wave_dir / dataset_name.split("#")[0],
                                f"lacks the variable {missing[0]!r} that the structure names")
        result.columns_dropped = [c for c in columns if c not in variables]
        con.execute("CREATE TABLE quarantine (line BIGINT, variable VARCHAR, value VARCHAR, rule VARCHAR)")
        schema, rules = survey_schema(variables)
        names = list(variables)
        # A cursor of its own: the quarantine inserts below must not end this stream.
        stream = con.cursor().sql("SELECT _line, " + ", ".join(f'"{n}"' for n in names) + " FROM ds")
        for batch in stream.to_arrow_reader(BATCH_ROWS):
            self._validate_batch(con, schema, rules, pl.from_arrow(batch))
        self._resolve(con, variables, dataset_name, result)

    @staticmethod
    def _validate_batch(con, schema: pa.DataFrameSchema, rules: dict[str, list[str]], frame: pl.DataFrame) -> None:
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

    def _resolve(self, con, variables: dict[str, Variable], dataset_name: str, result: WaveResult) -> None:
        """Re-submissions (latest ``submitted`` wins), quarantine and the 5 % wave rule."""
        con.execute(f"""
            CREATE TABLE rows AS
            SELECT _line AS line, respondentid, TRY_CAST(statoverall AS INTEGER) AS statoverall,
                   try_strptime(started, '{TIMESTAMP_FORMAT}') AS started_local,
                   try_strptime(submitted, '{TIMESTAMP_FORMAT}') AS submitted_local,
                   row_number() OVER (PARTITION BY respondentid
                       ORDER BY try_strptime(submitted, '{TIMESTAMP_FORMAT}') DESC NULLS LAST, _line DESC) > 1
                       AND respondentid IS NOT NULL AS superseded,
                   _line IN (SELECT line FROM quarantine) AS quarantined,
                   {"lower(trim(org_name))" if "org_name" in variables else "NULL"} AS org_name_folded
            FROM ds""")
        # A superseded row is not counted, so its faults do not count against the wave either.
        con.execute("DELETE FROM quarantine WHERE line IN (SELECT line FROM rows WHERE superseded)")
        answered, quarantined, superseded, total = con.execute("""
            SELECT count(*) FILTER (WHERE statoverall IN (3, 4) AND NOT superseded),
                   count(*) FILTER (WHERE quarantined AND NOT superseded),
                   count(*) FILTER (WHERE superseded), count(*) FROM rows""").fetchone()
        result.rows_read, result.rows_superseded = total, superseded
        result.rows_quarantined, result.rows_answered = quarantined, answered
        if quarantined > self.threshold * max(answered, 1):
            raise SourceRefused(self.wave_dir / dataset_name.split("#")[0],
                                f"{quarantined} quarantined rows are {quarantined / max(answered, 1):.1%} of "
                                f"{answered} answered rows, above the {self.threshold:.0%} threshold")
        # The offending value stays in the raw quarantine only: it may be personal data typed in the
        # wrong field, and Dagster's event log is not the place for it.
        result.quarantine_preview = con.execute("""
            SELECT line, variable, rule FROM quarantine ORDER BY line, variable LIMIT 20
        """).df().to_markdown(index=False) if quarantined else ""
        self.variables = variables
        self.dataset_name = dataset_name

    # -- writing ------------------------------------------------------------------------
    def _write(self, con, files: list[LandingFile], result: WaveResult) -> None:
        variables = self.variables
        wave = self.wave_id
        con.execute("CREATE TABLE variables (variable VARCHAR, question VARCHAR, question_type VARCHAR, "
                    "sub_type VARCHAR, kind VARCHAR, question_text VARCHAR, codes VARCHAR)")
        con.executemany("INSERT INTO variables VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [(v.name, v.question, v.question_type, v.sub_type, v.kind, v.text,
                          ",".join(sorted(v.codes, key=lambda c: (len(c), c)))) for v in variables.values()])
        con.execute("CREATE TABLE labels (variable VARCHAR, value VARCHAR, label VARCHAR)")
        rows = [(v.name, code, label) for v in variables.values() for code, label in v.labels]
        if rows:
            con.executemany("INSERT INTO labels VALUES (?, ?, ?)", rows)
        con.execute("CREATE TABLE dropped (variable VARCHAR)")
        for column in result.columns_dropped:
            con.execute("INSERT INTO dropped VALUES (?)", [column])
        answer_vars = [n for n in con.execute("DESCRIBE ds").df()["column_name"]
                       if n not in ("_line", *RESPONDENT_VARIABLES)]
        unpivot_list = ", ".join(f'"{n}"' for n in answer_vars)
        wave_sql = f"'{wave}'"
        with replace_folder(self.target) as out:
            copy_to_parquet(con, f"""
                SELECT {wave_sql} AS wave_id, r.line, TRY_CAST(r.respondentid AS BIGINT) AS respondentid,
                       {hmac_sql(self.key, f"{wave_sql} || ':' || coalesce(r.respondentid, '#' || r.line::VARCHAR)")}
                           AS respondent_key,
                       -- the organisation across waves: a keyed pseudonym of its name (never the name)
                       CASE WHEN r.org_name_folded <> '' THEN {hmac_sql(self.key, "'org:' || r.org_name_folded")}
                            END AS org_key,
                       r.statoverall,
                       timezone('Europe/Copenhagen', r.started_local) AS started_at,
                       timezone('Europe/Copenhagen', r.submitted_local) AS submitted_at,
                       CASE WHEN r.superseded THEN 'superseded' WHEN r.quarantined THEN 'quarantined'
                            ELSE 'current' END AS record_status
                FROM rows r ORDER BY r.line""", out / "respondents.parquet")
            copy_to_parquet(con, f"""
                SELECT {wave_sql} AS wave_id, line, variable, value FROM (
                    UNPIVOT (SELECT _line AS line, {unpivot_list} FROM ds)
                    ON {unpivot_list} INTO NAME variable VALUE value)
                ORDER BY line, variable""", out / "answers.parquet")
            copy_to_parquet(con, f"""
                SELECT {wave_sql} AS wave_id, '{self.dataset_name}' AS file, q.line,
                       TRY_CAST(r.respondentid AS BIGINT) AS respondentid, q.variable, q.value, q.rule
                FROM quarantine q JOIN rows r USING (line) ORDER BY q.line, q.variable""",
                out / "quarantine.parquet")
            copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, * FROM variables", out / "variables.parquet")
            copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, variable FROM dropped", out / "dropped_columns.parquet")
            copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, * FROM labels", out / "labels.parquet")
            write_registry(out, files, wave_id=wave, format_version=RAW_FORMAT_VERSION)

