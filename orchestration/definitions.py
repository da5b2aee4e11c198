"""The Dagster code location: every asset, check, resource, job, schedule and sensor."""

from __future__ import annotations

import dagster as dg

from orchestration.config import export_environment
from orchestration.dbt.assets import dbt_resource, siw_dbt_assets
from orchestration.ingest.assets import raw_cases, raw_frame, raw_interviews, raw_survey
from orchestration.operations.alerts import alert_on_run_failure
from orchestration.operations.automation import (
    freshness_checks,
    freshness_sensor,
    landing_zone_sensor,
    nightly_refresh,
    refresh_job,
)
from orchestration.publish.assets import published_report_database
from orchestration.report.assets import report_pdf, report_site

export_environment()

defs = dg.Definitions(
    assets=[raw_survey, raw_interviews, raw_cases, raw_frame, siw_dbt_assets, published_report_database,
            report_site, report_pdf],
    asset_checks=freshness_checks,
    jobs=[refresh_job],
    schedules=[nightly_refresh],
    sensors=[landing_zone_sensor, alert_on_run_failure, freshness_sensor],
    resources={"dbt": dbt_resource},
)
