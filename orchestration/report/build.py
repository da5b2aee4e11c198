"""Build the Evidence report (``reports/``) from the published database into a static site.

The build reads only the published file (``EVIDENCE_SOURCE__siw__filename``), runs offline
(DuckDB-Wasm reads parquet through the patch in ``reports/scripts/offline-parquet.mjs``) and
with ``build:strict``, so a failing page query fails the build. The site replaces the previous
one whole, so a failed build leaves the last good site in place. One build at a time per checkout:
Evidence works inside ``reports/`` (``.evidence/``, ``build/``), guarded by a file lock.

The full build (Vite bundles of the app, then every page prerendered) runs only when the report's
own files (pages, sources, components, settings, scripts, package lock) changed since the last
one; when only the data changed, ``reports/scripts/refresh-data.mjs`` re-renders the pages of the
last build with the new data (about a fifth of the time and memory). Should that fail, or the
tables' columns have changed, the full build runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.config import PROJECT_ROOT, REPORTS_DIR, input_files
from orchestration.folders import replace_folder

BUILD_TIMEOUT_S = 1800
# The Vite output of the last full build, and the digest of the report's files it was built from
# (inside the output, so Evidence's clean-up at the start of a full build removes both).
APP_OUTPUT = REPORTS_DIR / ".evidence" / "template" / ".svelte-kit" / "output"
APP_RECORD = APP_OUTPUT / "siw-app-inputs.sha256"
REFRESH_DATA = REPORTS_DIR / "scripts" / "refresh-data.mjs"
SCHEMAS_CHANGED = 3  # refresh-data.mjs: the tables' columns changed, a full build is needed


class ReportBuildFailed(RuntimeError):
    """The Evidence build failed; the message carries the tail of its output."""


@dataclass
class BuiltSite:
    path: Path
    pages: int
    seconds: float
    mode: str  # "full" (Vite build) or "data" (pages re-rendered with new data)


def evidence_environment(published: Path) -> dict[str, str]:
    """The environment of an Evidence build: the published file, no telemetry, enough heap."""
    env = dict(os.environ)
    env.update({
        # The DuckDB connector joins the filename to the source's folder: give it a relative path.
        "EVIDENCE_SOURCE__siw__filename": os.path.relpath(published, REPORTS_DIR / "sources" / "siw"),
        "SEND_ANONYMOUS_USAGE_STATS": "no",
        "NODE_OPTIONS": "--max-old-space-size=4096",
        "npm_config_update_notifier": "false",
    })
    return env


class _StepFailed(ReportBuildFailed):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _step(command: list[str], env: dict[str, str], log_path: Path) -> None:
    """Run one build command in ``reports/``, its output appended to the log; raise _StepFailed."""
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        done = subprocess.run(command, cwd=REPORTS_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                              timeout=BUILD_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise _StepFailed(f"{' '.join(command)} failed (exit {done.returncode}); see {log_path}:\n{tail}",
                          done.returncode)


def app_inputs_digest() -> str:
    """The sha256 over the report's own files: what the app's Vite build depends on besides the data."""
    digest = hashlib.sha256()
    for path in input_files(PROJECT_ROOT):
        if REPORTS_DIR in path.parents:
            digest.update(str(path.relative_to(REPORTS_DIR)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _full_build(env: dict[str, str], log_path: Path, app_inputs: str) -> None:
    """Evidence's own build: sources extracted, the app bundled by Vite, every page prerendered."""
    # Sources are re-extracted every time: the published file changes under the same name.
    shutil.rmtree(REPORTS_DIR / ".evidence" / "template" / "static" / "data", ignore_errors=True)
    shutil.rmtree(REPORTS_DIR / "build", ignore_errors=True)
    _step(["npm", "run", "sources"], env, log_path)
    APP_RECORD.unlink(missing_ok=True)  # the app is rebuilt from here: until it is done, no data-only build
    _step(["npm", "run", "build:strict"], env, log_path)
    _step(["node", str(REFRESH_DATA), "--record"], env, log_path)
    APP_RECORD.write_text(app_inputs, encoding="utf-8")


def _data_only_build(env: dict[str, str], log_path: Path) -> bool:
    """Re-render the last full build's pages with the new data; False when a full build is needed."""
    try:
        _step(["node", str(REFRESH_DATA)], env, log_path)
    except _StepFailed as failure:
        reason = ("the tables' columns changed" if failure.exit_code == SCHEMAS_CHANGED
                  else "the data-only build failed")
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"\n{reason}: running the full build\n")
        return False
    return True


def mark_danish(site: Path) -> None:
    """Declare every page Danish: Evidence's page template says ``lang="en"`` and has no setting."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if '<html lang="en">' not in html:
            raise ReportBuildFailed(f"{page}: no <html lang=\"en\"> to make Danish (a new Evidence version?)")
        page.write_text(html.replace('<html lang="en">', '<html lang="da">', 1), encoding="utf-8")


def build_site(published: Path, site_dir: Path, log_path: Path, full: bool = False) -> BuiltSite:
    """Build the report from ``published`` and swap it into ``site_dir``; raise ReportBuildFailed.

    ``full``: run the full build even when only the data changed.
    """
    if not published.exists():
        raise ReportBuildFailed(f"{published} does not exist: nothing has been published yet")
    if not (REPORTS_DIR / "node_modules" / "@evidence-dev" / "evidence").exists():
        raise ReportBuildFailed(f"{REPORTS_DIR}/node_modules is missing: run `make install`")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text("", encoding="utf-8")
    started = time.monotonic()
    with open(REPORTS_DIR / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = evidence_environment(published)
        app_inputs = app_inputs_digest()
        mode = "data"
        recorded = APP_RECORD.read_text(encoding="utf-8") if APP_RECORD.exists() else None
        if full or recorded != app_inputs or not _data_only_build(env, log_path):
            mode = "full"
            _full_build(env, log_path, app_inputs)
        with replace_folder(site_dir) as scratch:
            shutil.copytree(REPORTS_DIR / "build", scratch, dirs_exist_ok=True)
            mark_danish(scratch)
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    return BuiltSite(site_dir, pages, time.monotonic() - started, mode)
