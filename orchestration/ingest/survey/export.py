"""A wave's export on disk: which files it is, and loading them into DuckDB.

``wave_files`` finds the export in a wave folder; ``load_export`` parses its structure and
labels and loads its dataset, all text, into the table ``ds`` of a connection, with each row's
physical line in ``_line`` (the line a quarantine row names).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.errors import SourceRefused
from orchestration.ingest import excel
from orchestration.ingest.survey.structure import Variable, parse_structure
from orchestration.ingest.textfiles import open_text_export, read_records

CSV_KINDS = ("dataset", "structure", "labels", "variables")  # file name prefixes; variables is optional
REQUIRED_CSV = CSV_KINDS[:3]


@dataclass(frozen=True)
class Export:
    """The files of a wave's export: ``csv`` (by kind) or ``excel`` (one workbook)."""

    kind: str
    files: dict[str, Path]

    @property
    def paths(self) -> list[Path]:
        return list(self.files.values())


@dataclass(frozen=True)
class LoadedExport:
    """What loading an export gave: the dataset file (named in refusals), its variables and how
    the text was written."""

    dataset: Path
    variables: dict[str, Variable]
    encoding: str
    delimiter: str


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


def load_export(con: duckdb.DuckDBPyConnection, export: Export, work_dir: Path) -> LoadedExport:
    """Parse the export's structure and labels and load its dataset into ``ds``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    if export.kind == "excel":
        return _load_excel(con, export.files["workbook"], work_dir)
    dataset, structure, labels = (open_text_export(export.files[k], work_dir) for k in REQUIRED_CSV)
    variables = parse_structure(read_records(structure.utf8_path, structure.delimiter, structure.source),
                                read_records(labels.utf8_path, labels.delimiter, labels.source),
                                structure.source, labels.source)
    load_dataset(con, dataset.utf8_path, dataset.delimiter, dataset.header, dataset.source)
    return LoadedExport(dataset.source, variables, dataset.encoding, dataset.delimiter)


def _load_excel(con: duckdb.DuckDBPyConnection, path: Path, work_dir: Path) -> LoadedExport:
    book = excel.open_workbook(path, required_sheets=("Dataset", "Structure", "Labels"))
    try:
        structure = [[excel.cell_text(c) for c in row] for row in excel.rows(book, "Structure")]
        labels = [[excel.cell_text(c) for c in row] for row in excel.rows(book, "Labels")]
        variables = parse_structure(structure, [r for r in labels if any(r)], path)
        target = work_dir / "dataset.xlsx.utf8"
        header = excel.sheet_to_csv(book, "Dataset", target, path)
    finally:
        book.close()
    load_dataset(con, target, ";", header, path, excel_lines=True)
    return LoadedExport(path, variables, "xlsx", ";")


def load_dataset(con: duckdb.DuckDBPyConnection, utf8_path: Path, delimiter: str, header: list[str],
                 source: Path, excel_lines: bool = False) -> None:
    """Load a dataset (all text) into ``ds`` (a table, or for a CSV export a view of two) with its
    physical line number ``_line``, in the file's order."""
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
        statements = [f"CREATE TABLE ds AS SELECT CAST(c{len(header)} AS BIGINT) AS _line, {select} FROM {reader}"]
    else:
        # A quoted field may hold line breaks: the physical line of record n is n + 1 plus the line
        # breaks inside all records before it. The running sum is taken over a narrow table and
        # joined back by position: a window over the wide rows would sort all of them (at 2.3
        # million invited it took half of the wave's ingestion, BENCHMARKS.md). Order holds
        # throughout: DuckDB keeps insertion order (preserve_insertion_order, which the reader sets).
        any_break = " OR ".join(f"contains(c{i}, chr(10))" for i in range(len(header)))
        breaks = " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)"
                            for i in range(len(header)))
        statements = [
            f"CREATE TABLE ds_records AS SELECT row_number() OVER () AS _rn, "
            f"CASE WHEN {any_break} THEN {breaks} ELSE 0 END AS _breaks, {select} FROM {reader}",
            "CREATE TABLE ds_lines AS SELECT CAST(_rn + 1 + coalesce(sum(_breaks) OVER (ORDER BY _rn ROWS BETWEEN "
            "UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS _line FROM ds_records ORDER BY _rn",
            "CREATE VIEW ds AS SELECT l._line, r.* EXCLUDE (_rn, _breaks) FROM ds_records r POSITIONAL JOIN ds_lines l",
        ]
    try:
        for statement in statements:
            con.execute(statement)
    except duckdb.OutOfMemoryException as error:
        # Not the file's fault: a refusal would report good data as bad and keep it out.
        raise RuntimeError(f"{source}: reading it needs more memory than DuckDB's bound (SIW_DUCKDB_MEMORY); "
                           f"the file was not refused: {str(error).splitlines()[0][:300]}") from None
    except duckdb.Error as error:
        detail = str(error).splitlines()[0][:300]
        raise SourceRefused(source, f"is truncated or malformed (not a complete CSV table: {detail})") from None
    if con.execute("SELECT count(*) FROM ds").fetchone()[0] == 0:
        raise SourceRefused(source, "is empty (a header row but no respondents)")
