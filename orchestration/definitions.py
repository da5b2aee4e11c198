"""The Dagster code location: every asset, check, resource, job, schedule and sensor."""

from __future__ import annotations

import dagster as dg

from orchestration.config import export_environment
from orchestration.dbt.assets import dbt_resource, siw_dbt_assets
from orchestration.ingest.assets import raw_cases, raw_frame, raw_interviews, raw_survey
from orchestration.publish.assets import published_report_database

export_environment()

RAW_ASSETS = [raw_survey, raw_interviews, raw_cases, raw_frame]

defs = dg.Definitions(
    assets=[*RAW_ASSETS, siw_dbt_assets, published_report_database],
    resources={"dbt": dbt_resource},
)
