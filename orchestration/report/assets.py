"""The report site asset: the Evidence build, downstream of the publication."""

import dagster as dg

from orchestration.config import OWNERS, get_settings
from orchestration.report.build import build_site


@dg.asset(
    key=["report", "site"],
    deps=[dg.AssetKey(["publish", "report_database"])],
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
    context.log.info(f"report built in {built.seconds:.0f} s: {built.path}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(built.path)),
        "pages": built.pages,
        "build_seconds": round(built.seconds, 1),
    })
