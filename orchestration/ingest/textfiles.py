"""Delimited text exports: detect encoding and delimiter, transcode to UTF-8 in a stream.

DuckDB 2.0 reads only UTF-8, UTF-16 and Latin-1 without a downloaded extension, and
Windows-1252 is not Latin-1 (0x80-0x9F), so every text export is transcoded chunk by chunk
with Python's incremental codecs (never read whole) and DuckDB reads the UTF-8 copy.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from orchestration.errors import SourceRefused

CHUNK_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class TextExport:
    """A transcoded export: the UTF-8 copy, what it was, and its header fields."""

    source: Path
    utf8_path: Path
    encoding: str
    delimiter: str
    header: list[str]


def encoding_candidates(head: bytes) -> list[str]:
    """The encodings to try, in order, for a text file starting with ``head``: a BOM decides, else
    UTF-8 (strict) and then Windows-1252. The one rule of every text source (exports, the frame)."""
    if head.startswith(codecs.BOM_UTF8):
        return ["utf-8-sig"]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]
    return ["utf-8", "cp1252"]


def undecodable(path: Path, error: UnicodeDecodeError) -> SourceRefused:
    """The refusal of a file no candidate encoding decodes."""
    return SourceRefused(path, f"cannot be decoded as UTF-8, UTF-16 or Windows-1252 ({error.reason} "
                               f"at byte {error.start})")


def transcode(path: Path, target: Path) -> str:
    """Write ``path`` as UTF-8 to ``target`` and return the source encoding.

    Strict decoding in each candidate encoding: Windows-1252's five undefined bytes, or NUL bytes
    outside UTF-16, mean the file cannot be decoded.
    """
    with open(path, "rb") as handle:
        head = handle.read(4)
    for encoding in encoding_candidates(head):
        try:
            _transcode_with(path, target, encoding)
            return encoding
        except UnicodeDecodeError as error:
            last = error
    raise undecodable(path, last)


def _transcode_with(path: Path, target: Path, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with open(path, "rb") as source, open(target, "w", encoding="utf-8", newline="") as out:
        while chunk := source.read(CHUNK_BYTES):
            text = decoder.decode(chunk)
            if "\x00" in text:
                raise UnicodeDecodeError(encoding, chunk, 0, 1, "NUL byte in a text file")
            out.write(text)
        out.write(decoder.decode(b"", final=True))


def read_records(utf8_path: Path, delimiter: str, source: Path, limit: int | None = None) -> list[list[str]]:
    """The CSV records of a (small) UTF-8 file, or only its first ``limit``; a file the csv module
    cannot parse (a field over its size limit, a NUL) is refused, naming ``source``."""
    try:
        with open(utf8_path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            return [row for _, row in zip(range(limit), reader)] if limit else list(reader)
    except csv.Error as error:
        raise SourceRefused(source, f"is malformed ({error})") from None


def detect_delimiter(utf8_path: Path) -> str:
    """The delimiter of the header line: the candidate that splits it into the most fields."""
    with open(utf8_path, encoding="utf-8", newline="") as handle:
        line = handle.readline()
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def open_text_export(path: Path, work_dir: Path) -> TextExport:
    """Transcode a delimited export and read its header; refuse empty or undecodable files."""
    if path.stat().st_size == 0:
        raise SourceRefused(path, "is empty")
    work_dir.mkdir(parents=True, exist_ok=True)
    target = work_dir / f"{path.parent.name}__{path.name}.utf8"
    encoding = transcode(path, target)
    delimiter = detect_delimiter(target)
    header = (read_records(target, delimiter, path, limit=1) or [[]])[0]
    if not any(field.strip() for field in header):
        raise SourceRefused(path, "is empty (no header row)")
    return TextExport(path, target, encoding, delimiter, [h.strip() for h in header])


def decode_small(path: Path) -> str:
    """A small text file (the population frame) decoded in memory by the same rules as ``transcode``."""
    data = path.read_bytes()
    for encoding in encoding_candidates(data[:4]):
        try:
            text = data.decode(encoding)
            if "\x00" in text:
                raise UnicodeDecodeError(encoding, data, 0, 1, "NUL byte in a text file")
            return text
        except UnicodeDecodeError as error:
            last = error
    raise undecodable(path, last)


def read_small_csv(path: Path) -> list[list[str]]:
    """All records of a small delimited file (reference-sized), encoding and delimiter detected."""
    text = decode_small(path)
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if row]
    except csv.Error as error:
        raise SourceRefused(path, f"is malformed ({error})") from None
