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
from pathlib import Path

from orchestration.config import PROJECT_ROOT, Settings, input_files, result_settings


def fingerprint(settings: Settings, root: Path = PROJECT_ROOT) -> str:
    """The sha256 over the landing listing, the inputs' content and the result-relevant settings."""
    digest = hashlib.sha256()
    for path in sorted(p for p in settings.landing_dir.rglob("*") if p.is_file() and not p.is_symlink()):
        stat = path.stat()
        digest.update(f"{path.relative_to(settings.landing_dir)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for path in input_files(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    for name, value in result_settings().items():
        digest.update(f"{name}={value}\n".encode())
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
    report = [settings.report_site_dir / "index.html", settings.report_pdf_path] if settings.build_report else []
    outputs = [settings.published_path, *report]
    if last.get("fingerprint") == current and all(p.exists() for p in outputs):
        return last.get("at")
    return None


def record_refresh(settings: Settings, current: str, run_id: str, at: str) -> None:
    """Remember a successful refresh (written atomically)."""
    target = record_path(settings)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(json.dumps({"fingerprint": current, "run_id": run_id, "at": at}), encoding="utf-8")
    scratch.replace(target)
