"""The printable report: every page of the built site in one A4 PDF, printed by headless Chromium.

``reports/scripts/print-pdf.mjs`` opens each page (in the sidebar's order, then the region pages),
takes its rendered article (the charts are SVG, so they print sharp), and prints them after a
cover with the publication's date, with page numbers. The file replaces the previous one only
when printing succeeded.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from orchestration.config import REPORTS_DIR
from orchestration.duck import read_only
from orchestration.report.serve import serve

PRINT_TIMEOUT_S = 900


class ReportPrintFailed(RuntimeError):
    """Printing the report failed; the message carries the tail of the script's output."""


def page_order(site: Path) -> list[str]:
    """The site's pages as paths: the front page, the pages by their sidebar position, the regions."""
    pages, positions = REPORTS_DIR / "pages", {}
    for page in [*pages.glob("*.md"), pages / "regioner" / "index.md"]:
        found = re.search(r"^sidebar_position:\s*(\d+)", page.read_text(encoding="utf-8"), re.M)
        path = "/" + page.relative_to(pages).with_suffix("").as_posix().removesuffix("index")
        positions[path if path.endswith("/") else f"{path}/"] = int(found.group(1)) if found else 0
    paths = sorted(positions, key=lambda p: (p != "/", positions[p], p))
    regions = sorted(f"/regioner/{d.name}/" for d in (site / "regioner").iterdir() if (d / "index.html").exists())
    at = paths.index("/regioner/") + 1
    return [p for p in paths[:at] + regions + paths[at:] if (site / p.strip("/") / "index.html").exists()]


def publication_date(published: Path) -> str:
    """The date of the publication the site was built from, as Danish text (e.g. '3. december 2026')."""
    with read_only(published) as con:
        (at,) = con.execute("SELECT max(published_at) FROM reporting.refresh").fetchone()
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
              "november", "december"]
    return f"{at.day}. {months[at.month - 1]} {at.year}" if at else "ukendt dato"


def print_report(site: Path, published: Path, out: Path, log_path: Path) -> Path:
    """Print ``site`` to ``out`` (A4, Danish, numbered pages, cover dated by ``published``)."""
    if not (site / "index.html").exists():
        raise ReportPrintFailed(f"{site} has no built report: build the site first")
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = out.with_name(f".{out.name}.{os.getpid()}")
    with serve(site) as base, open(log_path, "w", encoding="utf-8") as log:
        done = subprocess.run(["node", "scripts/print-pdf.mjs", base, str(scratch), publication_date(published),
                               "--", *page_order(site)], cwd=REPORTS_DIR, stdout=log, stderr=subprocess.STDOUT,
                              timeout=PRINT_TIMEOUT_S, check=False)
    if done.returncode != 0 or not scratch.exists():
        scratch.unlink(missing_ok=True)
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise ReportPrintFailed(f"printing the report failed (exit {done.returncode}); see {log_path}:\n{tail}")
    scratch.replace(out)
    return out
