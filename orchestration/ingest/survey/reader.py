"""Reading one wave folder into the raw layer: the steps of ``survey`` in their order.

Unchanged files (same names, sha256, raw format and study definition as the last good
ingestion) are not read again. Otherwise: find the export (``export.wave_files``), load it
(``export.load_export``), describe it under the study definition (``shape.describe_wave``), find
the row faults and settle re-submissions (``rules``), apply the wave threshold, and write
(``write.write_wave``). Wave faults raise ``SourceRefused`` before anything is written, so the
last good version of the wave stays in place.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.survey import export, rules, shape, write
from orchestration.study import DEFAULT_STUDIES


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


def study_digest(study: Path | None) -> str:
    """The definitions that may apply to a wave, hashed: a changed mapping re-reads the wave."""
    paths = [study] if study else sorted(set(DEFAULT_STUDIES.values()))
    return hashlib.sha256(b"".join(Path(p).read_bytes() for p in paths)).hexdigest()


def already_ingested(target: Path, files: list[LandingFile], study_sha256: str) -> bool:
    """True when the raw wave folder ``target`` holds exactly these files (by name and sha256),
    read in the current raw format with the same study definition."""
    registry = target / "files.parquet"
    if not registry.exists():
        return False
    # A connection of its own: the process-wide default one is shared by every thread of a run.
    with duckdb.connect() as con:
        source = f"read_parquet('{registry}', union_by_name = true)"
        columns = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        if "format_version" not in columns or "study_sha256" not in columns:  # an older raw format
            return False
        seen = con.execute(f"SELECT file_name, sha256, format_version, study_sha256 FROM {source}").fetchall()
    return sorted(seen) == sorted((f.path.name, f.sha256, write.RAW_FORMAT_VERSION, study_sha256) for f in files)


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

    def read(self, force: bool = False) -> WaveResult | None:
        """Ingest the wave; None when its files are unchanged since the last good ingestion."""
        found = export.wave_files(self.wave_dir)
        files = [describe(p) for p in found.paths]
        digest = study_digest(self.study_path)
        if not force and already_ingested(self.target, files, digest):
            return None
        self.work_dir.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute("SET preserve_insertion_order = true")
            con.execute(f"SET temp_directory = '{self.work_dir / 'duckdb.tmp'}'")
            # Unbounded, DuckDB would hold a national-panel wave (and the sort of its answers) in
            # memory, about 10 GB at 2.3 million invited; bounded, it spills.
            con.execute(f"SET memory_limit = '{self.memory_limit}'")
            loaded = export.load_export(con, found, self.work_dir)
            wave = shape.describe_wave(loaded.variables, loaded.dataset, self.wave_id, self.study_path)
            dropped = rules.find_faults(con, wave)
            counts = rules.resolve_rows(con, wave)
            rules.check_threshold(con, counts, self.threshold, wave.dataset)
            write.write_wave(con, wave, self.wave_id, self.target, self.key, files, dropped, list(wave.notes), digest)
            return WaveResult(self.wave_id, files, counts.read, counts.quarantined, counts.superseded,
                              counts.answered, dropped, rules.quarantine_preview(con), loaded.encoding,
                              loaded.delimiter, wave.layout, list(wave.notes))
        finally:
            con.close()
