"""The landing zone: discovery of sources, safe file access and checksums.

Files in the landing zone are evidence: this module only reads them. A symlink that points
outside the landing zone is never followed, and a wave folder whose name is not a valid wave
id is reported and ignored.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

WAVE_DIR = re.compile(r"^wave=(\d{4}-(0[1-9]|1[0-2]))$")


@dataclass(frozen=True)
class LandingFile:
    """A landing file with the facts recorded in the file registry."""

    path: Path
    size: int
    sha256: str


def inside(landing: Path, path: Path) -> bool:
    """True when ``path`` (after resolving links) lies inside the landing zone."""
    try:
        path.resolve().relative_to(landing.resolve())
    except ValueError:
        return False
    return True


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def describe(path: Path) -> LandingFile:
    """Size and sha256 of a landing file."""
    return LandingFile(path, path.stat().st_size, sha256_of(path))


def safe_files(landing: Path, folder: Path, pattern: str = "*") -> tuple[list[Path], list[str]]:
    """Regular files in ``folder`` matching ``pattern``; links leaving the landing zone are skipped.

    Returns the files (sorted) and a list of warnings about what was skipped.
    """
    files, warnings = [], []
    if not folder.is_dir():
        return files, warnings
    for path in sorted(folder.glob(pattern)):
        if not inside(landing, path):
            warnings.append(f"{path}: a link that points outside the landing zone; not followed")
        elif path.is_file():
            files.append(path)
    return files, warnings


def discover_waves(landing: Path) -> tuple[list[str], list[str]]:
    """Wave ids of the ``survey/wave=YYYY-MM`` folders, and warnings about ignored folders."""
    survey = landing / "survey"
    waves, warnings = [], []
    if not survey.is_dir():
        return waves, warnings
    for folder in sorted(survey.iterdir()):
        if not inside(landing, folder):
            warnings.append(f"{folder}: a link that points outside the landing zone; not followed")
            continue
        match = WAVE_DIR.match(folder.name)
        if folder.is_dir() and match:
            waves.append(match.group(1))
        else:
            warnings.append(f"{folder}: not a wave folder (expected wave=YYYY-MM); ignored")
    return waves, warnings


def folder_waves(landing: Path, raw_dir: Path) -> set[str]:
    """The waves of one data folder: those in its landing zone and those its raw layer holds.

    The Dagster instance's wave partitions are shared by every data folder that uses it; a
    refresh works on these only, so it never sees another folder's waves."""
    held = {p.name.removeprefix("wave=") for p in raw_dir.glob("survey/wave=*") if p.is_dir()}
    return set(discover_waves(landing)[0]) | held


NO_SURVEY = ("no survey wave in the landing zone (survey/wave=YYYY-MM/) and none in the raw layer: "
             "the warehouse has nothing to build on yet")


def survey_available(landing: Path, raw_dir: Path) -> bool:
    """Whether a refresh has survey data to build on: a wave delivered, or one ingested before."""
    return bool(discover_waves(landing)[0]) or any(raw_dir.glob("survey/wave=*/respondents.parquet"))
