"""The report assets: the Evidence site, downstream of the publication, and its printable PDF."""

import dagster as dg

from orchestration.config import OWNERS, PUBLISHED_ASSET, get_settings
from orchestration.report.build import build_site
from orchestration.report.pdf import print_report


@dg.asset(
    key=["report", "site"],
    deps=[dg.AssetKey(PUBLISHED_ASSET)],
    group_name="report",
    owners=OWNERS,
    kinds={"evidence"},
    description="The Danish report pages (Evidence, static site in $SIW_DATA_DIR/report/site), built offline "
                "from the published database only; `make report` serves it on 127.0.0.1.",
)
def report_site(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Build the report; a failed build leaves the previous site in place."""
    settings = get_settings()
    built = build_site(settings.published_path, settings.report_site_dir, settings.work_dir / "evidence-build.log")
    context.log.info(f"report built ({built.mode} build) in {built.seconds:.0f} s: {built.path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(built.path)),
        "pages": built.pages,
        "build_seconds": round(built.seconds, 1),
        "build_mode": built.mode,
    })


@dg.asset(
    key=["report", "pdf"],
    deps=[report_site],
    group_name="report",
    owners=OWNERS,
    kinds={"chromium", "pdf"},
    description="The printable report ($SIW_DATA_DIR/report/report.pdf): every page of the site on A4, "
                "with a dated cover and page numbers, printed by headless Chromium.",
)
def report_pdf(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Print the built site; a failed print leaves the previous PDF in place."""
    settings = get_settings()
    path = print_report(settings.report_site_dir, settings.published_path, settings.report_pdf_path,
                        settings.work_dir / "report-pdf.log")
    context.log.info(f"report printed: {path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(path)),
        "bytes": path.stat().st_size,
    })
