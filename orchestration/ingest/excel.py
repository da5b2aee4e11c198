"""Workbooks (the survey's Excel export, the interview log), read streaming with openpyxl.

DuckDB's excel extension would be a download at run time, so workbooks are read in Python
with openpyxl's read-only mode, which streams rows. A workbook is checked before it is
opened: it must be a zip archive whose declared unpacked size is sane (a zip bomb is refused
before anything is inflated).
"""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path

from orchestration.errors import SourceRefused

MAX_UNPACKED_BYTES = 2 << 30  # 2 GiB: far above any real export, far below a zip bomb
MAX_RATIO = 200  # xlsx parts compress ~10-20x; hundreds-fold is a bomb


def open_workbook(path: Path, required_sheets: tuple[str, ...]):
    """Open a workbook read-only; refuse what is not one, a bomb, or one lacking a sheet."""
    if path.stat().st_size == 0:
        raise SourceRefused(path, "is empty")
    if not zipfile.is_zipfile(path):
        raise SourceRefused(path, "is not an Excel workbook (.xlsx)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceRefused(path, f"is not a readable Excel workbook ({error})") from None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if unpacked > MAX_UNPACKED_BYTES or (unpacked > (50 << 20) and unpacked / packed > MAX_RATIO):
        raise SourceRefused(path, f"unpacks to {unpacked:,} bytes from {packed:,}: refused as a zip bomb")
    import openpyxl  # here, not at the top: 0.25 s of every load of the code location

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken files
        raise SourceRefused(path, f"is not a readable Excel workbook ({type(error).__name__}: {error})") from None
    for sheet in required_sheets:
        if sheet not in book.sheetnames:
            book.close()
            raise SourceRefused(path, f"has no sheet named {sheet!r} (sheets: {', '.join(book.sheetnames)})")
    return book


def rows(book, sheet: str) -> Iterator[tuple]:
    """The rows of a sheet as tuples of cell values, streamed."""
    try:
        worksheet = book[sheet]
        # Read-only mode trusts the sheet's stored dimension; the tool's workbooks store "A1", which
        # would cut every row to its first cell, so the rows are read to their real end.
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()
        yield from worksheet.iter_rows(values_only=True)
    except Exception as error:
        raise SourceRefused(getattr(book, "path", "workbook"), f"sheet {sheet!r} cannot be read ({error})") from None


def cell_text(value: object) -> str:
    """A cell as the text the CSV export would hold (integers without '.0', tool timestamps)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y %H:%M:%S")
    return str(value).strip()


def sheet_to_csv(book, sheet: str, target: Path, source: Path) -> list[str]:
    """Stream a sheet to a UTF-8 ``;`` CSV whose last field is the sheet row number; return the header."""
    iterator = rows(book, sheet)
    header = [cell_text(c) for c in next(iterator, ())]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise SourceRefused(source, f"sheet {sheet!r} is empty")
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow([*header, "_line"])
        width = len(header)
        for number, row in enumerate(iterator, start=2):
            values = [cell_text(c) for c in row[:width]]
            if not any(values):
                continue
            writer.writerow([*values, *[""] * (width - len(values)), number])
    return header
