"""Survey waves: read the tool's export (CSV files or one workbook) into the raw layer.

Two layouts are read (sources.md): layout 2, what SurveyXact writes (files found by name prefix or
one workbook under any name, short variable names resolved through the structure, the status as
five 0/1 dummies or none, no respondentid in filtered exports, ``modified``/``closeTime``, ISO or
Danish timestamps, Open/Double and Open/Date values, negative and unlabelled codes, the tool's
system variables), and layout 1, the project's first deliveries. The study definition
(``orchestration.study``) says which question carries which concept; the raw variables table
records each variable's concept and reference item, and ``code_map`` the code translations.

The pandera schema of a wave is built from its own structure and labels (never from guesses):
every closed variable may hold only the codes its labels know, numbers digits, the municipality
concept a code of the reference list, timestamps the tool's formats. The schema runs lazily on
Arrow batches streamed out of DuckDB into polars (pandera's polars backend: vectorised checks, no
Python per row), so every failure of every row is found; its failure cases are the quarantine
(wave, file, line, respondentid, variable, value, rule). Wave faults raise ``SourceRefused``
before anything is written, so the last good version of the wave stays in place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandera.polars as pa
import polars as pl

from orchestration.ingest import excel
from orchestration.errors import SourceRefused
from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.pseudonym import hmac_sql
from orchestration.folders import replace_folder
from orchestration.ingest.rawstore import copy_to_parquet, write_registry
from orchestration.ingest.textfiles import open_text_export, read_records
from orchestration.reference import kommune_codes
from orchestration.study import CONCEPTS, DEFAULT_STUDIES, WaveStudy, check_mapping, study_for

STRUCTURE_COLUMNS = ("questionName", "variableName", "questionType", "subType", "questionText",
                     "choiceValue", "choiceText")
CSV_KINDS = ("dataset", "structure", "labels", "variables")  # file name prefixes; variables is optional
REQUIRED_CSV = CSV_KINDS[:3]
# The tool's timestamps: Danish (layout 1 and the EU export) or ISO (the international export).
TIMESTAMP_FORMATS = ("%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
TIMESTAMP_PATTERN = r"^(\d{2}-\d{2}-\d{4}|\d{4}-\d{2}-\d{2}) \d{2}:\d{2}:\d{2}$"
INTEGER_PATTERN = r"^-?\d+$"
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
BATCH_ROWS = 200_000  # rows per pandera batch: bounded memory, few batches
# Layout 1's respondent columns, kept as columns of the raw respondents table.
LAYOUT1_RESPONDENT = {"id": "respondentid", "status": "statoverall", "started": "started", "submitted": "submitted"}
# Layout 2's system questions (sources.md 1b): kept in raw, never published, no frequencies.
SYSTEM_QUESTIONS = frozenset({
    "respondentid", "statoverall", "startTime", "closeTime", "created", "modified", "diffTime", "email", "survey",
    "organization", "lang", "responseCollectSessions", "numberOfReturnedmail", "importgroup",
    "distributionschedule", "digitalDistributionStatus", "digitalDistributionErrorMessage"})
KNOWN_SUBTYPES = {"Closed": {"Single", "Multiple"}, "Background": {"Single", "Multiple"},
                  "Open": {"String", "Double", "Date", "Number", "DateTime"}}
# Bumped whenever the raw layout of a wave changes, so unchanged exports are read again after an upgrade.
RAW_FORMAT_VERSION = "3"


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


@dataclass(frozen=True)
class Export:
    """The files of a wave's export: ``csv`` (by kind) or ``excel`` (one workbook)."""

    kind: str
    files: dict[str, Path]

    @property
    def paths(self) -> list[Path]:
        return list(self.files.values())


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
    layout: int = 1
    notes: list[str] = field(default_factory=list)  # facts the ingestion report names (sources.md 1b)


def wave_files(wave_dir: Path) -> Export:
    """The export in a wave folder: CSV files found by name prefix, or exactly one workbook.

    Refuses a folder that is ambiguous (two files of one kind, two workbooks, CSV and a workbook)
    or lacks a file of the CSV export.
    """
    present = sorted(p for p in wave_dir.iterdir() if p.is_file()) if wave_dir.is_dir() else []
    books = [p for p in present if p.suffix.lower() == ".xlsx"]
    by_kind: dict[str, list[Path]] = {}
    for path in present:
        if path.suffix.lower() == ".csv":
            kind = next((k for k in CSV_KINDS if path.name.lower().startswith(k)), None)
            if kind:
                by_kind.setdefault(kind, []).append(path)
    if books and by_kind:
        raise SourceRefused(wave_dir, f"holds both a workbook ({books[0].name}) and a CSV export "
                                      f"({sorted(by_kind.values())[0][0].name}): ambiguous, refused")
    if len(books) > 1:
        raise SourceRefused(wave_dir, f"holds {len(books)} workbooks ({', '.join(b.name for b in books)}): "
                                      "ambiguous, refused")
    if books:
        return Export("excel", {"workbook": books[0]})
    for kind, paths in by_kind.items():
        if len(paths) > 1:
            raise SourceRefused(wave_dir, f"holds {len(paths)} {kind} files ({', '.join(p.name for p in paths)}): "
                                          "ambiguous, refused")
    missing = [kind for kind in REQUIRED_CSV if kind not in by_kind]
    if missing:
        raise SourceRefused(wave_dir / f"{missing[0]}.csv",
                            "is missing: the CSV export needs a dataset, a structure and a labels file "
                            "(or the folder one workbook)")
    return Export("csv", {kind: by_kind[kind][0] for kind in CSV_KINDS if kind in by_kind})


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


def concept_items(wave: WaveStudy, found: dict[str, list[Variable]], layout: int) -> dict[str, tuple[str, int | None]]:
    """variable -> (concept, reference item) for every variable of a mapped concept (study.md).

    An item is a multiple-choice option's choiceValue (layout 2) or its ``_k`` ending (layout 1),
    or a matrix variable's 1-based position under its question; ``items:`` translates it.
    """
    mapped: dict[str, tuple[str, int | None]] = {}
    for concept, members in found.items():
        spec = CONCEPTS[concept]
        translate = wave.items.get(concept, {})
        for position, var in enumerate(members, start=1):
            item = None
            if spec.items:
                suffix = var.name[len(var.question) + 1:] if var.name.startswith(var.question + "_") else ""
                if layout == 1 and suffix.isdigit():
                    item = int(suffix)
                elif spec.kind == "multiple" and var.choice_value.lstrip("-").isdigit():
                    item = int(var.choice_value)
                else:
                    item = position
                item = translate.get(item, item)
            mapped[var.name] = (concept, item)
    return mapped


def timestamp_sql(column: str | None) -> str:
    """A timestamp column of the export parsed in either of the tool's formats (NULL when absent)."""
    if not column:
        return "CAST(NULL AS TIMESTAMP)"
    return "coalesce(" + ", ".join(f"try_strptime(\"{column}\", '{f}')" for f in TIMESTAMP_FORMATS) + ")"


class WaveReader:
    """Reads one wave folder into the raw layer (``raw/survey/wave=<id>/``)."""

    def __init__(self, wave_id: str, wave_dir: Path, raw_dir: Path, work_dir: Path,
                 pseudonym_key: bytes, threshold: float, memory_limit: str = "2GB",
                 study: Path | None = None) -> None:
        self.wave_id = wave_id
        self.wave_dir = wave_dir
        self.target = raw_dir / "survey" / f"wave={wave_id}"
        self.work_dir = work_dir / f"survey-{wave_id}"
        self.key = pseudonym_key
        self.threshold = threshold
        self.memory_limit = memory_limit
        self.study_path = study

    # -- registry -----------------------------------------------------------------------
    def unchanged(self, files: list[LandingFile], study: str) -> bool:
        """True when the raw layer already holds exactly these files (by name and sha256), read
        with the same study definition."""
        registry = self.target / "files.parquet"
        if not registry.exists():
            return False
        # A connection of its own: the process-wide default one is shared by every thread of a run.
        with duckdb.connect() as con:
            source = f"read_parquet('{registry}', union_by_name = true)"
            columns = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
            if "format_version" not in columns or "study_sha256" not in columns:  # an older raw format
                return False
            seen = con.execute(f"SELECT file_name, sha256, format_version, study_sha256 FROM {source}").fetchall()
        return sorted(seen) == sorted((f.path.name, f.sha256, RAW_FORMAT_VERSION, study) for f in files)

    def _study_digest(self) -> str:
        """The definitions that may apply to this wave, hashed: a changed mapping re-reads the wave."""
        paths = [self.study_path] if self.study_path else sorted(set(DEFAULT_STUDIES.values()))
        return hashlib.sha256(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()

    # -- reading ------------------------------------------------------------------------
    def read(self, force: bool = False) -> WaveResult | None:
        """Ingest the wave; None when its files are unchanged since the last good ingestion."""
        export = wave_files(self.wave_dir)
        files = [describe(p) for p in export.paths]
        study_digest = self._study_digest()
        if not force and self.unchanged(files, study_digest):
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
            if export.kind == "csv":
                dataset, variables = self._load_csv(con, export, result)
            else:
                dataset, variables = self._load_excel(con, export.files["workbook"], result)
            wave = self._describe(variables, dataset, result)
            self._apply_rules(con, wave, result)
            self._write(con, wave, files, result, study_digest)
        finally:
            con.close()
        return result

    def _load_csv(self, con, export: Export, result: WaveResult) -> tuple[Path, dict[str, Variable]]:
        dataset, structure, labels = (open_text_export(export.files[k], self.work_dir) for k in REQUIRED_CSV)
        result.encoding, result.delimiter = dataset.encoding, dataset.delimiter
        variables = parse_structure(read_records(structure.utf8_path, structure.delimiter, structure.source),
                                    read_records(labels.utf8_path, labels.delimiter, labels.source),
                                    structure.source, labels.source)
        self._load_dataset(con, dataset.utf8_path, dataset.delimiter, dataset.header, dataset.source)
        return dataset.source, variables

    def _load_excel(self, con, path: Path, result: WaveResult) -> tuple[Path, dict[str, Variable]]:
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
        return path, variables

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

    # -- the wave's shape ---------------------------------------------------------------
    def _describe(self, variables: dict[str, Variable], dataset: Path, result: WaveResult) -> "WaveShape":
        """Layout, respondent columns and concepts of the wave (study.md); refuses what does not fit."""
        layout = layout_of(variables)
        result.layout = layout
        respondent = respondent_columns(variables, layout, dataset)
        wave = study_for(self.study_path, layout).for_wave(self.wave_id)
        found = check_mapping(wave, variables, dataset)
        concepts = concept_items(wave, found, layout)
        if layout == 2:
            if not respondent.status_dummies:
                result.notes.append("no statoverall in the export: every row counts as completed")
            if not respondent.id:
                result.notes.append("no respondentid in the export: rows are identified by their line")
        for var in variables.values():
            if not var.known_type:
                result.notes.append(f"variable {var.name}: unknown type {var.question_type}/{var.sub_type}, "
                                    "read as free text")
            elif var.kind == "coded" and not var.codes and not var.system:
                result.notes.append(f"variable {var.name}: no labels, read as unlabelled codes")
        kommune = next((v.name for v in found.get("kommune", [])), None)
        org_name = next((v.name for v in found.get("org_name", [])), None)
        return WaveShape(variables, dataset, layout, respondent, wave, concepts, kommune, org_name)

    # -- rules --------------------------------------------------------------------------
    def _apply_rules(self, con, wave: "WaveShape", result: WaveResult) -> None:
        variables = wave.variables
        columns = [r[0] for r in con.execute("DESCRIBE ds").fetchall() if r[0] != "_line"]
        missing = [v for v in variables if v not in columns]
        if missing:
            raise SourceRefused(wave.dataset, f"lacks the variable {missing[0]!r} that the structure names")
        result.columns_dropped = [c for c in columns if c not in variables]
        con.execute("CREATE TABLE quarantine (line BIGINT, variable VARCHAR, value VARCHAR, rule VARCHAR)")
        schema, rules = survey_schema(variables, wave.layout, wave.respondent, wave.kommune)
        names = list(variables)
        # A cursor of its own: the quarantine inserts below must not end this stream.
        stream = con.cursor().sql("SELECT _line, " + ", ".join(f'"{n}"' for n in names) + " FROM ds")
        for batch in stream.to_arrow_reader(BATCH_ROWS):
            self._validate_batch(con, schema, rules, pl.from_arrow(batch))
        if len(wave.respondent.status_dummies) > 1:  # layout 2: exactly one status dummy is 1
            ones = wave.respondent.dummies_set_sql()
            con.execute(f"""INSERT INTO quarantine SELECT _line, 'statoverall', CAST({ones} AS VARCHAR),
                            'status_not_exactly_one' FROM ds
                            WHERE {ones} <> 1 AND _line NOT IN (SELECT line FROM quarantine)""")
        self._resolve(con, wave, result)

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

    def _resolve(self, con, wave: "WaveShape", result: WaveResult) -> None:
        """Re-submissions (latest ``submitted``, or ``modified`` then closeTime, wins), quarantine and
        the 5 % wave rule."""
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
                   {f'lower(trim("{wave.org_name}"))' if wave.org_name else "NULL"} AS org_name_folded
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
            rules = ", ".join(f"{v}: {r}" for v, r in con.execute(
                "SELECT variable, rule FROM quarantine GROUP BY ALL ORDER BY count(*) DESC LIMIT 3").fetchall())
            raise SourceRefused(wave.dataset,
                                f"{quarantined} quarantined rows are {quarantined / max(answered, 1):.1%} of "
                                f"{answered} answered rows, above the {self.threshold:.0%} threshold ({rules})")
        # The offending value stays in the raw quarantine only: it may be personal data typed in the
        # wrong field, and Dagster's event log is not the place for it.
        result.quarantine_preview = con.execute("""
            SELECT line, variable, rule FROM quarantine ORDER BY line, variable LIMIT 20
        """).df().to_markdown(index=False) if quarantined else ""

    # -- writing ------------------------------------------------------------------------
    def _write(self, con, wave: "WaveShape", files: list[LandingFile], result: WaveResult, study: str) -> None:
        variables = wave.variables
        identifying = {name for name, (concept, _item) in wave.concepts.items() if CONCEPTS[concept].identifying}
        con.execute("CREATE TABLE variables (variable VARCHAR, question VARCHAR, question_type VARCHAR, "
                    "sub_type VARCHAR, kind VARCHAR, question_text VARCHAR, codes VARCHAR, choice_value VARCHAR, "
                    "position INTEGER, is_system BOOLEAN, is_identifying BOOLEAN, concept VARCHAR, item INTEGER)")
        con.executemany("INSERT INTO variables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
            (v.name, v.question, v.question_type, v.sub_type, v.kind, v.text,
             ",".join(sorted(v.codes, key=lambda c: (len(c), c))), v.choice_value or None, v.position,
             v.system or v.name in wave.respondent.columns,
             # free text, the tool's e-mail and the study's identifying concepts stay in raw
             v.name in identifying or v.kind == "text" or v.question == "email",
             *wave.concepts.get(v.name, (None, None))) for v in variables.values()])
        con.execute("CREATE TABLE labels (variable VARCHAR, value VARCHAR, label VARCHAR)")
        rows = [(v.name, code, label) for v in variables.values() for code, label in v.labels]
        if rows:
            con.executemany("INSERT INTO labels VALUES (?, ?, ?)", rows)
        con.execute("CREATE TABLE code_map (variable VARCHAR, value VARCHAR, contract_value INTEGER)")
        code_rows = [(name, str(code), contract) for name, (concept, _item) in wave.concepts.items()
                     for code, contract in wave.study.codes.get(concept, {}).items()]
        if code_rows:
            con.executemany("INSERT INTO code_map VALUES (?, ?, ?)", code_rows)
        con.execute("CREATE TABLE dropped (variable VARCHAR)")
        for column in result.columns_dropped:
            con.execute("INSERT INTO dropped VALUES (?)", [column])
        con.execute("CREATE TABLE notes (note VARCHAR)")
        for note in result.notes:
            con.execute("INSERT INTO notes VALUES (?)", [note])
        answer_vars = [n for n in con.execute("DESCRIBE ds").df()["column_name"]
                       if n != "_line" and n not in wave.respondent.columns]
        unpivot_list = ", ".join(f'"{n}"' for n in answer_vars)
        wave_sql = f"'{self.wave_id}'"
        file_name = wave.dataset.name + ("#Dataset" if wave.dataset.suffix.lower() == ".xlsx" else "")
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
            answers = (f"""SELECT {wave_sql} AS wave_id, line, variable, value FROM (
                    UNPIVOT (SELECT _line AS line, {unpivot_list} FROM ds)
                    ON {unpivot_list} INTO NAME variable VALUE value)
                ORDER BY line, variable""" if answer_vars else
                       f"SELECT {wave_sql} AS wave_id, CAST(NULL AS BIGINT) AS line, CAST(NULL AS VARCHAR) AS "
                       "variable, CAST(NULL AS VARCHAR) AS value WHERE false")
            copy_to_parquet(con, answers, out / "answers.parquet")
            copy_to_parquet(con, f"""
                SELECT {wave_sql} AS wave_id, '{file_name}' AS file, q.line,
                       TRY_CAST(r.respondentid AS BIGINT) AS respondentid, q.variable, q.value, q.rule
                FROM quarantine q JOIN rows r USING (line) ORDER BY q.line, q.variable""",
                out / "quarantine.parquet")
            for table in ("variables", "labels", "code_map", "notes"):
                copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, * FROM {table}", out / f"{table}.parquet")
            copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, variable FROM dropped", out / "dropped_columns.parquet")
            write_registry(out, files, wave_id=self.wave_id, format_version=RAW_FORMAT_VERSION, study_sha256=study)


@dataclass(frozen=True)
class WaveShape:
    """What the structure and the study definition say of a wave, before its rows are read."""

    variables: dict[str, Variable]
    dataset: Path
    layout: int
    respondent: Respondent
    study: WaveStudy
    concepts: dict[str, tuple[str, int | None]]  # variable -> (concept, reference item)
    kommune: str | None
    org_name: str | None
