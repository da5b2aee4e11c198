"""The Evidence report: built offline from a publication made here, opened in headless Chromium.

One refresh (with the report) runs for the module; the site is served on 127.0.0.1 and every
page, including one page per region, is opened by ``reports/scripts/check-pages.mjs``
(playwright-core driving Debian's chromium). The assertions compare what the pages show with
the published database.
"""

from __future__ import annotations

import decimal
import json
import re
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import pipeline
from orchestration.config import REPORTS_DIR, published_tables
from orchestration.report.assets import report_pdf, report_site
from orchestration.report.build import ReportBuildFailed, build_site
from orchestration.report.serve import serve
from conftest import query_db as published
from test_reliability import personal_values

# Evidence builds and every page in Chromium: minutes (make test-all).
pytestmark = pytest.mark.slow
PAGES = ["/", "/innovation/", "/partnerskaber/", "/barrierer/", "/boelger/", "/varer-det-ved/", "/regioner/",
         "/interviews/", "/cases/", "/alle-spoergsmaal/", "/metode/", "/data/"]


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
        assert dg.materialize([report_site, report_pdf], instance=instance).success
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
    """Serve ``site`` on 127.0.0.1 and open ``paths`` in headless Chromium at 1280 and 390 px; each page
    as the browser saw it (screenshots of every page at both widths in ``out``)."""
    with serve(site) as base:
        subprocess.run(["node", "scripts/check-pages.mjs", base, str(out / "pages.json"), str(out), "--", *paths],
                       cwd=REPORTS_DIR, check=True, timeout=1800)
    assert (out / "forside-1280.png").stat().st_size > 10_000 and (out / "forside-390.png").stat().st_size > 10_000
    return {page["path"]: page for page in json.loads((out / "pages.json").read_text(encoding="utf-8"))}


def test_every_page_opens_without_errors_and_without_network(pages):
    assert len(pages) >= len(PAGES) + 6
    for path, page in pages.items():
        assert page["status"] == 200, path
        assert page["errors"] == [], path
        assert page["external"] == [], path  # offline: nothing but 127.0.0.1 is asked for
        assert "Error" not in page["text"] and "fejl i forespørgslen" not in page["text"], path
        assert page["plainLinks"] == [], path  # every link in the text looks like one


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
        SELECT region_navn, kommune_navn, n_base, share, suppressed, secondary_suppressed FROM reporting.area_metrics
        WHERE area_level = 'kommune' AND metric = 'markant_innovation'
          AND wave_id = (SELECT max(wave_id) FROM reporting.response)""")
    assert any(r[4] for r in rows)  # the small sample of the tests leaves most municipalities below 5
    for region, kommune, n_base, share, suppressed, secondary in rows:
        lines = [line for line in pages[f"/regioner/{slug(region)}/"]["text"].splitlines()
                 if line.split("\t")[0] == kommune]
        assert len(lines) == 1, kommune
        cells = lines[0].split("\t")
        if secondary:  # hidden to protect another: its number of answers is shown
            assert cells[1:] == [str(n_base), "skjult", "skjult"], kommune
        elif suppressed:
            assert cells[1:] == ["under 5", "skjult", "skjult"], kommune
        else:
            assert cells[1] == str(n_base) and cells[2] == percent(share), kommune
    shown = 0
    for region, n_base, share, suppressed, secondary in published(path, """
            SELECT region_navn, n_base, share, suppressed, secondary_suppressed FROM reporting.area_metrics
            WHERE area_level = 'region' AND metric = 'markant_innovation'
              AND wave_id = (SELECT max(wave_id) FROM reporting.response)"""):
        line = [line for line in pages[f"/regioner/{slug(region)}/"]["text"].splitlines()
                if line.startswith("Markant innovation\t")][0]
        if secondary:
            assert line.split("\t")[1:] == ["skjult (beskytter et andet tal)", str(n_base)], region
        elif suppressed:
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
    assert "1. s_1: Select one option" in pages["/alle-spoergsmaal/"]["text"]
    assert "Kilde ikke leveret" in pages["/metode/"]["text"]


def test_every_question_is_listed_in_the_questionnaires_order(pages):
    """The table orders its question groups by their label as text: numbered, q2 comes before q10."""
    listed = re.findall(r"(\d+)\. [a-z]+_?(\d+): ", pages["/alle-spoergsmaal/"]["text"])  # q1 or s_1
    assert len(listed) >= 10
    assert [int(number) for number, _ in listed] == list(range(1, len(listed) + 1))
    assert [int(question) for _, question in listed] == sorted(int(question) for _, question in listed)


def test_every_page_fits_a_desktop_and_a_phone_screen(pages):
    """At 1280 and 390 px nothing sticks out of the page: a wide table scrolls inside its own box."""
    for path, page in pages.items():
        for width, seen in page["widths"].items():
            assert seen["overflow"] <= 0, (path, width)
            assert seen["outside"] == [], (path, width)


def test_the_chrome_is_danish_and_every_page_has_its_title(report, pages):
    _, data = report
    titles = {}
    for path, page in pages.items():
        assert page["lang"] == "da", path
        assert page["title"] and page["title"] != "Evidence", path
        titles[page["title"]] = path
        for english in ("Home", "On this page", "Built with Evidence", "Download"):
            assert english not in page["text"], (path, english)
    assert len(titles) == len(pages)  # one title per page: the region pages are named by their region
    assert "På denne side" in pages["/innovation/"]["text"]
    assert "Forside\n›\nInnovation" in pages["/innovation/"]["text"] or "Forside › Innovation" in pages["/innovation/"]["text"]
    regions = published(data / "published" / "report.duckdb", "SELECT DISTINCT region_navn FROM reporting.area_metrics "
                                                               "WHERE area_level = 'region'")
    for (region,) in regions:
        page = pages[f"/regioner/{slug(region)}/"]
        assert page["title"] == region
        assert "\nRegion\n" not in f"\n{page['text']}\n"  # no "Region" heading above the region's name


def test_share_charts_have_intervals_one_colour_per_segment_and_whole_labels(pages):
    colours = {}
    charts = [(path, chart) for path, page in pages.items() for chart in page["charts"]]
    assert len(charts) >= 7
    for path, chart in charts:
        assert chart["bars"] > 0 and chart["whiskers"] == 3 * chart["bars"], (path, chart["title"])
        assert chart["cut"] == [], (path, chart["title"])
        for name, colour in chart["colours"].items():
            assert colours.setdefault(name, colour) == colour, (path, name)
    assert {"Foreninger", "Kommunale tilbud"} <= set(colours)
    assert "Streget viser 95 %-intervallet." in pages["/innovation/"]["text"]


def test_the_panel_page_shows_who_kept_lost_and_gained_as_published(report, pages):
    _, data = report
    rows = published(data / "published" / "report.duckdb", """
        SELECT p.segment, m.label_da, p.n_pairs, p.n_yes_from, p.n_yes_to, p.n_yes_both, p.persistence,
               p.persistence_ci_low, p.persistence_ci_high, p.suppressed, p.secondary_suppressed, p.significant
        FROM reporting.panel_changes p JOIN reporting.metric_definitions m USING (metric)""")
    assert any(not r[9] for r in rows) and any(r[9] for r in rows)  # the sample has both
    page = pages["/varer-det-ved/"]
    (chart,) = page["panelCharts"]
    shown = [r for r in rows if r[0] == "alle" and not r[9]]
    assert chart["bars"] == len(shown) and chart["cut"] == []
    # a stacked bar per metric: kept, lost and gained, each in its colour (and once more in the legend)
    assert chart["segments"] == {"kept": len(shown) + 1, "lost": len(shown) + 1, "gained": len(shown) + 1}
    assert {"Beholdt", "Mistet", "Fået"} <= set(chart["text"].split())
    lines = page["text"].splitlines()
    segments = {"alle": "Alle", "forening": "Foreninger", "kommunalt_tilbud": "Kommunale tilbud"}
    for segment, label, n_pairs, yes_from, yes_to, both, persistence, low, high, suppressed, secondary, _sig in rows:
        (line,) = [line for line in lines if line.startswith(f"{label}\t{segments[segment]}\t")]
        cells = line.split("\t")
        assert cells[2] == f"{n_pairs:,}".replace(",", "."), line
        if secondary:
            assert cells[3] == "skjult (beskytter et andet tal)", line
        elif suppressed:
            assert cells[3] == "skjult (under 5 organisationer)", line
        elif persistence is None:
            assert cells[4] == "for få havde det (under 5)", line
        else:
            assert cells[4] == f"{percent(persistence)} af {yes_from} ({percent(low)[:-2]}–{percent(high)})", line
            assert cells[5] == f"{yes_from - both} mistet, {yes_to - both} fået", line
    assert "Varer det ved? Af de" in pages["/"]["text"]
    assert "McNemar" in pages["/metode/"]["text"] and "Panelet" in pages["/metode/"]["text"]


def test_maps_of_regions_and_municipalities_show_what_is_published(report, pages):
    _, data = report
    maps = pages["/regioner/"]["maps"]
    assert sorted(m["level"] for m in maps) == ["kommune", "kommune", "region", "region"]
    for chart in maps:
        metric = "markant_innovation" if chart["title"].startswith("Markant innovation") else "flere_eksterne_aktoerer"
        codes = "kommune_kode" if chart["level"] == "kommune" else "region_navn"
        (shown,) = published(data / "published" / "report.duckdb", f"""
            SELECT count(DISTINCT {codes}) FROM reporting.area_metrics
            WHERE area_level = '{chart['level']}' AND metric = '{metric}' AND NOT suppressed
              AND region_navn <> 'Landsdækkende' AND wave_id = (SELECT max(wave_id) FROM reporting.response)""")[0]
        assert chart["shown"] == shown, chart["title"]
        assert chart["areas"] >= (99 if chart["level"] == "kommune" else 5), chart["title"]
        assert "skjult (under 5 svar)" in chart["text"] and "ingen svar" in chart["text"], chart["title"]
    assert any(m["level"] == "kommune" and m["shown"] < 98 for m in maps)  # the sample hides small municipalities


def test_every_table_downloads_as_csv_and_the_data_page_lists_every_published_table(report, pages):
    _, data = report
    assert pages["/data/"]["tables"] == list(published_tables())
    for path in ("/innovation/", "/barrierer/", "/metode/", "/alle-spoergsmaal/"):
        assert pages[path]["downloads"] >= 1, path
    for path, page in pages.items():  # visible at both widths (Evidence hides its own on phones)
        assert page["widths"]["390"]["downloads"] == page["widths"]["1280"]["downloads"] == page["downloads"], path
    download = pages["/data/"]["download"]
    assert download["name"].endswith(".csv")
    table = download["table"]
    columns = [r[0] for r in published(data / "published" / "report.duckdb", f"DESCRIBE reporting.{table}")]
    (rows,) = published(data / "published" / "report.duckdb", f"SELECT count(*) FROM reporting.{table}")[0]
    lines = download["csv"].lstrip("\ufeff").splitlines()
    assert lines[0].replace('"', "").split(",") == columns
    assert len(lines) == rows + 1


def test_the_printable_report_has_every_page_and_the_headline_figures(report, pages, tmp_path):
    _, data = report
    pdf = data / "report" / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "A4" in info or "595.92 x 842.04" in info or "595 x 842" in info
    n_pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert n_pages >= len(pages)  # a cover and at least a sheet per page
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    (published_at,) = published(data / "published" / "report.duckdb", "SELECT max(published_at) FROM reporting.refresh")[0]
    assert f"Publiceret {published_at.day}. " in text and str(published_at.year) in text
    assert f"side 1 af {n_pages}" in text and f"side {n_pages} af {n_pages}" in text
    for metric, shown in pages["/"]["headline"].items():
        assert shown["value"] in text, metric
    for title in ("Innovation", "Partnerskaber", "Data og download"):
        assert title in text


def _emptied(source: Path, target: Path, tables: list[str]) -> Path:
    """A copy of the publication ``source`` with ``tables`` emptied (their columns kept)."""
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    for table in tables:
        con.execute(f"DELETE FROM reporting.{table}")
    con.close()
    return target


@pytest.mark.parametrize("half", [0, 1])
def test_the_report_builds_with_any_table_empty(report, tmp_path, half):
    """Two builds between them empty every published table once, the other half keeping its rows;
    every page opens without errors (the generic-only publication is the test below)."""
    _, data = report
    empty = list(published_tables())[half::2]
    publication = _emptied(data / "published" / "report.duckdb", tmp_path / "report.duckdb", empty)
    build_site(publication, tmp_path / "site", tmp_path / "build.log")
    pages = open_pages(tmp_path / "site", PAGES, tmp_path)
    for path, page in pages.items():
        assert page["status"] == 200 and page["errors"] == [], (path, page["errors"][:3])
        assert "Error" not in page["text"], path
    assert pages["/data/"]["tables"] == list(published_tables())


# What differs between two builds of the same pages and data: the build's timestamp (SvelteKit's
# version, and so every bundle's hashed name), the random ids of menus and the minifier's names in
# the app's bundles (`_app/`, compared by name only); nothing else may.
BUILD_NOISE = [(re.compile(rb"[A-Za-z0-9_-]{8}\.(js|css)"), rb"HASH.\1"), (re.compile(rb"\d{13}"), b"TIME"),
               (re.compile(rb"__sveltekit_[a-z0-9]+"), b"__sveltekit_V"),
               (re.compile(rb'="[A-Za-z0-9_-]{10}"'), b'="ID"')]


def site_contents(site: Path) -> dict[str, bytes]:
    """Every file of a built site by its path, the build noise replaced."""
    contents = {}
    for file in sorted(p for p in site.rglob("*") if p.is_file() and p.name != "version.json"):
        name, body = str(file.relative_to(site)).encode(), file.read_bytes()
        for pattern, stand_in in BUILD_NOISE:
            name, body = pattern.sub(stand_in, name), pattern.sub(stand_in, body)
        contents[name.decode()] = b"" if name.startswith(b"_app/") else body
    return contents


def test_a_data_only_build_equals_a_full_build(report, tmp_path):
    """When only the data changed the pages are re-rendered with the last build's app
    (reports/scripts/refresh-data.mjs, on SvelteKit internals): the site must equal a full build's."""
    _, data = report
    publication = _emptied(data / "published" / "report.duckdb", tmp_path / "report.duckdb", ["cases", "interviews"])
    con = duckdb.connect(str(publication))
    con.execute("UPDATE reporting.headline_metrics SET share = share / 2")
    con.close()
    # The full build first (so the data-only ones have a build of these pages, whatever ran before),
    # then a data-only build on other data, then one on the full build's data.
    full = build_site(publication, tmp_path / "full", tmp_path / "full.log", full=True)
    other = build_site(data / "published" / "report.duckdb", tmp_path / "other", tmp_path / "other.log")
    data_only = build_site(publication, tmp_path / "data-only", tmp_path / "data-only.log")
    assert (data_only.mode, full.mode, other.mode) == ("data", "full", "data")
    assert site_contents(other.path) != site_contents(full.path)
    data_only_files, full_files = site_contents(data_only.path), site_contents(full.path)
    assert sorted(data_only_files) == sorted(full_files)
    differing = [name for name in full_files if data_only_files[name] != full_files[name]]
    assert differing == []
    assert data_only_files != site_contents(data / "report" / "site")  # the new data is in the pages
