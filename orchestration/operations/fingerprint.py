"""What a refresh depends on, in one hash: the landing files, the code and the settings.

`make run` records the fingerprint of each successful refresh beside the publication and skips
the next one when nothing it depends on has changed (a no-change refresh then costs a listing of
the landing zone, not a dbt build). Landing files are compared by path, size and modification
time: a file re-delivered unchanged but touched makes a full refresh, whose raw step then skips it
by sha256. Code is hashed by content, so uncommitted edits count too.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from orchestration.config import PROJECT_ROOT, Settings

CODE = ("orchestration", "dbt_project/models", "dbt_project/macros", "dbt_project/seeds", "dbt_project/tests",
        "expectations", "reports/pages", "reports/sources", "studies")
SETTINGS = ("SIW_QUARANTINE_THRESHOLD", "SIW_MAX_COMPLETED_SHRINK", "SIW_PSEUDONYM_KEY", "SIW_REPORT", "SIW_ENGINE",
            "SIW_STUDY")


def fingerprint(settings: Settings) -> str:
    """The sha256 over the landing listing, the code's content and the result-relevant settings."""
    digest = hashlib.sha256()
    for path in sorted(p for p in settings.landing_dir.rglob("*") if p.is_file() and not p.is_symlink()):
        stat = path.stat()
        digest.update(f"{path.relative_to(settings.landing_dir)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for folder in CODE:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0" + path.read_bytes())
    for name in SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    if settings.study_path and settings.study_path.is_file():  # a definition kept beside the deployment
        digest.update(b"study\0" + settings.study_path.read_bytes())
    return digest.hexdigest()


def record_path(settings: Settings) -> Path:
    return settings.published_dir / ".last_refresh.json"


def unchanged_since_last_refresh(settings: Settings, current: str) -> str | None:
    """When the last successful refresh had this fingerprint (and its outputs exist), its time."""
    try:
        last = json.loads(record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    outputs = [settings.published_path] + ([settings.report_site_dir / "index.html"] if settings.build_report else [])
    if last.get("fingerprint") == current and all(p.exists() for p in outputs):
        return last.get("at")
    return None


def record_refresh(settings: Settings, current: str, run_id: str, at: str) -> None:
    """Remember a successful refresh (written atomically)."""
    target = record_path(settings)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(json.dumps({"fingerprint": current, "run_id": run_id, "at": at}), encoding="utf-8")
    scratch.replace(target)
