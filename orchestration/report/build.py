"""Build the Evidence report (``reports/``) from the published database into a static site.

The build reads only the published file (``EVIDENCE_SOURCE__siw__filename``), runs offline
(DuckDB-Wasm reads parquet through the patch in ``reports/scripts/offline-parquet.mjs``) and
with ``build:strict``, so a failing page query fails the build. The site replaces the previous
one whole, so a failed build leaves the last good site in place. One build at a time per checkout:
Evidence works inside ``reports/`` (``.evidence/``, ``build/``), guarded by a file lock.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.config import REPORTS_DIR
from orchestration.folders import replace_folder

BUILD_TIMEOUT_S = 1800


class ReportBuildFailed(RuntimeError):
    """The Evidence build failed; the message carries the tail of its output."""


@dataclass
class BuiltSite:
    path: Path
    pages: int
    seconds: float


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


def _npm(script: str, env: dict[str, str], log_path: Path) -> None:
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ npm run {script}\n")
        log.flush()
        done = subprocess.run(["npm", "run", script], cwd=REPORTS_DIR, env=env, stdout=log,
                              stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise ReportBuildFailed(f"npm run {script} failed (exit {done.returncode}); see {log_path}:\n{tail}")


def mark_danish(site: Path) -> None:
    """Declare every page Danish: Evidence's page template says ``lang="en"`` and has no setting."""
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        if '<html lang="en">' not in html:
            raise ReportBuildFailed(f"{page}: no <html lang=\"en\"> to make Danish (a new Evidence version?)")
        page.write_text(html.replace('<html lang="en">', '<html lang="da">', 1), encoding="utf-8")


def build_site(published: Path, site_dir: Path, log_path: Path) -> BuiltSite:
    """Build the report from ``published`` and swap it into ``site_dir``; raise ReportBuildFailed."""
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
        # Sources are re-extracted every time: the published file changes under the same name.
        shutil.rmtree(REPORTS_DIR / ".evidence" / "template" / "static" / "data", ignore_errors=True)
        shutil.rmtree(REPORTS_DIR / "build", ignore_errors=True)
        _npm("sources", env, log_path)
        _npm("build:strict", env, log_path)
        with replace_folder(site_dir) as scratch:
            shutil.copytree(REPORTS_DIR / "build", scratch, dirs_exist_ok=True)
            mark_danish(scratch)
    pages = sum(1 for _ in site_dir.rglob("index.html"))
    return BuiltSite(site_dir, pages, time.monotonic() - started)
