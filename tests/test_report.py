"""The Evidence report: built offline from a publication made here, opened in headless Chromium.

One refresh (with the report) runs for the module; the site is served on 127.0.0.1 and every
page, including one page per region, is opened by ``reports/scripts/check-pages.mjs``
(playwright-core driving Debian's chromium). The assertions compare what the pages show with
the published database.
"""

from __future__ import annotations

import decimal
import http.server
import json
import shutil
import subprocess
import threading
from functools import partial
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import pipeline
from orchestration.config import REPORTS_DIR
from orchestration.report.assets import report_site
from orchestration.report.build import ReportBuildFailed, build_site
from conftest import query_db as published
from test_reliability import personal_values

# Evidence builds and every page in Chromium: minutes (make test-all).
pytestmark = pytest.mark.slow
PAGES = ["/", "/innovation/", "/partnerskaber/", "/barrierer/", "/boelger/", "/regioner/", "/interviews/",
         "/cases/", "/alle-spoergsmaal/", "/metode/"]


def slug(region: str) -> str:
    """The region page's path segment (as the report's SQL makes it)."""
    for danish, plain in (("æ", "ae"), ("ø", "oe"), ("å", "aa")):
        region = region.replace(danish, plain)
    return region.replace(" ", "-").lower()


def percent(share: float) -> str:
    """How the report prints a share: whole percent, rounded half away from zero, Danish spacing."""
    rounded = decimal.Decimal(repr(share * 100)).quantize(decimal.Decimal("1"), rounding=decimal.ROUND_HALF_UP)
    return f"{int(rounded)} %"




@pytest.fixture(scope="module")
def report(tmp_path_factory, sample_build):
    """The session's sample build, copied, with its report: the report asset materialised on the copy.
    (`make run`'s own path with the report on is the generic survey's test below.)"""
    root = tmp_path_factory.mktemp("report")
    landing, data = root / "landing", root / "data"
    shutil.copytree(sample_build.landing, landing)
    shutil.copytree(sample_build.data, data)
    with pytest.MonkeyPatch.context() as env, dg.instance_for_test(temp_dir=str(root)) as instance:
        env.setenv("SIW_LANDING_DIR", str(landing))
        env.setenv("SIW_DATA_DIR", str(data))
        assert dg.materialize([report_site], instance=instance).success
        materialised = instance.get_latest_materialization_event(dg.AssetKey(["report", "site"]))
    assert materialised is not None and materialised.asset_materialization.metadata["pages"].value > 10
    return landing, data


@pytest.fixture(scope="module")
def pages(report, tmp_path_factory):
    """Every page (and every region page) as the browser saw it, keyed by path."""
    _, data = report
    site = data / "report" / "site"
    regions = [r[0] for r in published(data / "published" / "report.duckdb",
                                       "SELECT DISTINCT region_navn FROM reporting.area_metrics")]
    paths = PAGES + [f"/regioner/{slug(r)}/" for r in regions]
    return open_pages(site, paths, tmp_path_factory.mktemp("pages"))


def open_pages(site: Path, paths: list[str], out: Path) -> dict[str, dict]:
    """Serve ``site`` on 127.0.0.1 and open ``paths`` in headless Chromium; each page as the browser saw it."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        subprocess.run(["node", "scripts/check-pages.mjs", f"http://127.0.0.1:{server.server_port}",
                        str(out / "pages.json"), str(out / "forside.png"), "--", *paths],
                       cwd=REPORTS_DIR, check=True, timeout=900)
    finally:
        server.shutdown()
    assert (out / "forside.png").stat().st_size > 10_000
    return {page["path"]: page for page in json.loads((out / "pages.json").read_text(encoding="utf-8"))}


def test_every_page_opens_without_errors_and_without_network(pages):
    assert len(pages) >= len(PAGES) + 6
    for path, page in pages.items():
        assert page["status"] == 200, path
        assert page["errors"] == [], path
        assert page["external"] == [], path  # offline: nothing but 127.0.0.1 is asked for
        assert "Error" not in page["text"] and "fejl i forespørgslen" not in page["text"], path


def test_front_page_headline_numbers_equal_the_publication(report, pages):
    _, data = report
    rows = published(data / "published" / "report.duckdb", """
        SELECT metric, share, ci_low, ci_high, n_base FROM reporting.headline_metrics
        WHERE segment = 'alle' AND wave_id = (SELECT max(wave_id) FROM reporting.response)""")
    shown = pages["/"]["headline"]
    assert set(shown) == {r[0] for r in rows}
    for metric, share, low, high, n_base in rows:
        assert shown[metric]["value"] == percent(share), metric
        low_high = f"{percent(low)[:-2]}–{percent(high)}"
        assert low_high in shown[metric]["interval"], metric
        assert f"{n_base:,}".replace(",", ".") + " svar" in shown[metric]["interval"], metric
    weighted = dict(published(data / "published" / "report.duckdb", """
        SELECT metric, weighted_share FROM reporting.headline_metrics
        WHERE segment = 'alle' AND wave_id = (SELECT max(wave_id) FROM reporting.response)"""))
    for metric, share in weighted.items():
        assert f"Landstal: vægtet {percent(share)} (" in pages["/"]["text"].split(shown[metric]["interval"])[1], metric
    (completed, invited) = published(data / "published" / "report.duckdb", """
        SELECT n_completed, n_invited FROM reporting.response
        WHERE segment = 'alle' AND wave_id = (SELECT max(wave_id) FROM reporting.response)""")[0]
    text = pages["/"]["text"]
    assert f"{completed:,}".replace(",", ".") + " organisationer" in text
    assert f"{invited:,}".replace(",", ".") + " inviterede" in text
    assert "Data opdateret:" in text


def test_differences_are_marked_on_the_pages_that_compare(report, pages):
    _, data = report
    tested = published(data / "published" / "report.duckdb",
                       "SELECT count(*) FROM reporting.segment_differences WHERE p_value IS NOT NULL")[0][0]
    assert tested > 0
    for path in ("/innovation/", "/partnerskaber/", "/barrierer/", "/boelger/"):
        text = pages[path]["text"]
        assert "signifikant forskel (p" in text or "ingen sikker forskel (p = " in text, path
    assert "Vægtning" in pages["/metode/"]["text"] and "Vægt (N/n)" in pages["/metode/"]["text"]


def test_a_page_per_region_and_suppressed_municipalities_are_not_shown(report, pages):
    _, data = report
    path = data / "published" / "report.duckdb"
    regions = {slug(r[0]) for r in published(path, "SELECT DISTINCT region_navn FROM reporting.area_metrics")}
    assert {f"/regioner/{s}/" for s in regions} == set(pages["/regioner/"]["regions"])
    rows = published(path, """
        SELECT region_navn, kommune_navn, n_base, share, suppressed FROM reporting.area_metrics
        WHERE area_level = 'kommune' AND metric = 'markant_innovation'
          AND wave_id = (SELECT max(wave_id) FROM reporting.response)""")
    assert any(r[4] for r in rows)  # the small sample of the tests leaves most municipalities below 5
    for region, kommune, n_base, share, suppressed in rows:
        lines = [line for line in pages[f"/regioner/{slug(region)}/"]["text"].splitlines()
                 if line.split("\t")[0] == kommune]
        assert len(lines) == 1, kommune
        cells = lines[0].split("\t")
        if suppressed:
            assert cells[1:] == ["under 5", "skjult", "skjult"], kommune
        else:
            assert cells[1] == str(n_base) and cells[2] == percent(share), kommune
    shown = 0
    for region, n_base, share, suppressed in published(path, """
            SELECT region_navn, n_base, share, suppressed FROM reporting.area_metrics
            WHERE area_level = 'region' AND metric = 'markant_innovation'
              AND wave_id = (SELECT max(wave_id) FROM reporting.response)"""):
        line = [line for line in pages[f"/regioner/{slug(region)}/"]["text"].splitlines()
                if line.startswith("Markant innovation\t")][0]
        if suppressed:
            assert line.split("\t")[1:] == ["skjult (under 5 svar)", "under 5"], region
        else:
            assert line.split("\t")[1].startswith(percent(share) + " (") and line.endswith(f"\t{n_base}"), region
            shown += 1
    assert shown >= 5


def test_no_personal_data_anywhere_in_the_built_site(report):
    landing, data = report
    secrets = personal_values(landing)
    assert len(secrets) > 100
    site = data / "report" / "site"
    haystacks = {}
    con = duckdb.connect()
    for file in site.rglob("*"):
        if not file.is_file():
            continue
        if file.suffix == ".parquet":  # compressed: read the values, not the bytes
            rows = con.execute(f"SELECT * FROM read_parquet('{file}')").fetchall()
            haystacks[str(file)] = "\n".join("\t".join(map(str, r)) for r in rows)
        else:
            haystacks[str(file)] = file.read_bytes().decode("utf-8", errors="ignore")
    con.close()
    assert any(name.endswith(".parquet") for name in haystacks) and len(haystacks) > 50
    leaks = [(place, secret) for place, text in haystacks.items() for secret in secrets if secret in text]
    assert leaks == []


def test_a_failed_build_keeps_the_previous_site(report, tmp_path):
    _, data = report
    site = data / "report" / "site"
    before = sorted(str(p.relative_to(site)) for p in site.rglob("*"))
    broken = tmp_path / "report.duckdb"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(ReportBuildFailed, match="npm run sources failed"):
        build_site(broken, site, tmp_path / "build.log")
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*")) == before


def test_a_survey_without_study_concepts_builds_its_report(tmp_path, monkeypatch):
    """A generic publication (no concept mapped, no interviews, cases or frame: nearly every table
    empty) builds, every page opens without errors, and the pages say what the study lacks."""
    landing, data = tmp_path / "landing", tmp_path / "data"
    shutil.copytree(Path(__file__).parent / "data/real/sdu-excel", landing / "survey/wave=2018-05",
                    ignore=shutil.ignore_patterns("*.md"))
    (tmp_path / "study.yml").write_text("study: any survey\n", encoding="utf-8")
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        for name, value in {"SIW_LANDING_DIR": landing, "SIW_DATA_DIR": data, "SIW_REPORT": "on",
                            "SIW_STUDY": tmp_path / "study.yml"}.items():
            monkeypatch.setenv(name, str(value))
        monkeypatch.setattr(dg.DagsterInstance, "get", staticmethod(lambda: instance))
        assert pipeline.run(allow_sample=False) == 0
    assert published(data / "published/report.duckdb", "SELECT count(*) FROM reporting.headline_metrics") == [(0,)]
    assert published(data / "published/report.duckdb", "SELECT source FROM reporting.ingestion_issues "
                                                        "WHERE kind = 'not_delivered' ORDER BY source") == [
        ("cases",), ("frame",), ("interviews",)]
    pages = open_pages(data / "report" / "site", PAGES + ["/regioner/region-hovedstaden/"], tmp_path)
    for path, page in pages.items():
        assert page["status"] == 200 and page["errors"] == [], path
        assert "Error" not in page["text"], path
    assert "måler ikke innovationens hovedtal" in pages["/"]["text"]
    assert "3 organisationer gennemførte" in pages["/"]["text"]
    assert "Ingen tal at vise i denne publicering." in pages["/innovation/"]["text"]
    assert "s_1: Select one option" in pages["/alle-spoergsmaal/"]["text"]
    assert "Kilde ikke leveret" in pages["/metode/"]["text"]
