"""Which survey waves a dbt build rebuilds in the wave-keyed incremental models (macros/by_wave.sql).

A build rebuilds the waves whose raw set changed or went since the last good build of this data
folder: the last build that ran the whole project (every model and test) without a failure. Its
record (a digest of the dbt project's files and each wave's raw version) is kept beside dbt's parse
state. Without a record, with another digest (models, macros, seeds or tests changed) or without a
warehouse, the build is a full refresh. A build marks its waves pending in the record before dbt
starts; only a good build clears them. So after a failed build, or a selection of assets in the UI,
the waves it touched are rebuilt and tested again by the next build, even when their raw set went
back to the recorded one: a failed test is never skipped by a later build that sees no change.
The unit tests check the code on fixtures, not the data: they run in a build until a good build of
the same code, engine and locked packages has passed them in any data folder of this checkout (its
mark is kept beside the project's manifest), so a new data folder does not run them again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from orchestration.config import DBT_PROJECT_DIR, PROJECT_ROOT, REBUILD_WAVES, Settings, input_files

RECORD = "last-good-build.json"
# One empty file for each code, engine and lock file whose unit tests passed in a good build.
UNIT_TESTS_PASSED = DBT_PROJECT_DIR / "target" / "unit-tests-passed"
# The ids the macros may quote as SQL literals; the landing zone's wave folders are named so.
WAVE_ID = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class WavePlan:
    """What one dbt build rebuilds: every wave (``waves`` None), or the waves named."""

    full_refresh: bool
    waves: tuple[str, ...] | None
    versions: dict[str, str]  # each wave's raw version now
    code: str  # the dbt project's digest now
    raw_bytes: int = 0  # the raw survey set's size now
    unit_tests: bool = True  # whether the build runs the unit tests

    @property
    def args(self) -> list[str]:
        """dbt's arguments for the plan. The unit tests run only while no good build of this code and
        engine has passed them (their fixtures are code too: 13 tests, about 5 s of dbt's threads)."""
        return ((["--full-refresh"] if self.full_refresh else [])
                + ([] if self.unit_tests else ["--exclude-resource-type", "unit_test"]))

    @property
    def env(self) -> dict[str, str]:
        """The environment the macros read (empty: every wave)."""
        return {REBUILD_WAVES: "" if self.waves is None else json.dumps(list(self.waves))}

    def describe(self) -> str:
        """One line for the run's log."""
        if self.full_refresh:
            what = "full refresh of the wave-keyed models (no good build on record, or the dbt project changed)"
        elif self.waves is None:
            what = "every wave rebuilt"
        else:
            what = f"waves rebuilt: {', '.join(self.waves) or 'none (no wave changed)'}"
        return what + ("; with the unit tests (no good build has passed them for this code)" if self.unit_tests else "")


def raw_versions(raw_dir: Path) -> tuple[dict[str, str], int]:
    """Each survey wave's raw version, and the raw survey set's size in bytes. A version is a digest
    of the wave's raw set's files by name, size and modification time (as the landing zone's
    fingerprint has it: any write of a file gives a new version, with no need to read gigabytes at
    the top sizes)."""
    versions, size = {}, 0
    for folder in sorted((raw_dir / "survey").glob("wave=*")):
        wave_id = folder.name.removeprefix("wave=")
        if not WAVE_ID.fullmatch(wave_id):
            raise ValueError(f"{folder}: a wave id may hold only letters, digits, '_', '.' and '-'")
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        if files:
            stats = [(str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in files]
            versions[wave_id] = hashlib.sha256(json.dumps(stats).encode()).hexdigest()
            size += sum(stat[1] for stat in stats)
    return versions, size


def project_digest() -> str:
    """A sha256 of the dbt project's own files (what decides the models' SQL and tests)."""
    digest = hashlib.sha256()
    for path in input_files():
        if path.is_relative_to(DBT_PROJECT_DIR):
            digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def unit_tests_mark(code: str, engine: str) -> Path:
    """The mark of unit tests passed by the dbt project ``code`` on ``engine`` with the locked
    packages (dbt and its adapters among them)."""
    lock = (PROJECT_ROOT / "requirements.lock").read_bytes()
    return UNIT_TESTS_PASSED / hashlib.sha256(f"{code}\0{engine}\0".encode() + lock).hexdigest()


def read_record(settings: Settings) -> dict | None:
    """The last good build's record (None when there is none or it cannot be read)."""
    try:
        record = json.loads((settings.dbt_target_dir / RECORD).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def write_record(settings: Settings, record: dict) -> None:
    """Replace the record (atomically: a reader sees the old one or the new one)."""
    target = settings.dbt_target_dir / RECORD
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(json.dumps(record, indent=1, sort_keys=True))
    scratch.replace(target)


def plan_build(settings: Settings, full_refresh: bool = False) -> WavePlan:
    """The plan of the next build of this data folder (``full_refresh`` forces one)."""
    (versions, raw_bytes), code = raw_versions(settings.raw_dir), project_digest()
    unit_tests = not unit_tests_mark(code, settings.engine).exists()
    record = read_record(settings)
    if full_refresh or not record or record.get("code") != code or not settings.engine_warehouse.exists():
        return WavePlan(True, None, versions, code, raw_bytes, unit_tests)
    pending = record.get("pending", [])
    if pending == "all":
        return WavePlan(False, None, versions, code, raw_bytes, unit_tests)
    before = record.get("waves", {})
    changed = {w for w, v in versions.items() if before.get(w) != v} | (set(before) - set(versions)) | set(pending)
    return WavePlan(False, tuple(sorted(changed)), versions, code, raw_bytes, unit_tests)


def mark_pending(settings: Settings, plan: WavePlan) -> None:
    """Before a build: its waves stay to be rebuilt until a good build clears them."""
    record = read_record(settings)
    if record is None:  # no good build on record: the next build is a full refresh anyway
        return
    pending = record.get("pending", [])
    if plan.waves is None or pending == "all":
        record["pending"] = "all"
    else:
        record["pending"] = sorted(set(pending) | set(plan.waves))
    write_record(settings, record)


def record_good_build(settings: Settings, plan: WavePlan) -> None:
    """After a build of the whole project that passed: the next build starts from it, and the unit
    tests it ran are on record for its code (a checkout that cannot be written runs them again)."""
    write_record(settings, {"code": plan.code, "waves": plan.versions, "pending": []})
    if plan.unit_tests:
        with contextlib.suppress(OSError):
            mark = unit_tests_mark(plan.code, settings.engine)
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()
