"""The nightly refresh, the landing-zone sensor and the freshness checks.

Every refresh is a run of ``refresh_job`` (all assets). Survey waves are dynamic partitions that
one run ingests together (the raw survey asset has a single-run backfill policy), so a run
targets the whole range of registered waves; unchanged waves are skipped by sha256 cheaply.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.config import get_settings
from orchestration.ingest.assets import raw_cases, raw_frame, raw_interviews, raw_survey, survey_waves
from orchestration.ingest.landing import NO_SURVEY, discover_waves, folder_waves, inside, sha256_of, survey_available
from orchestration.operations.fingerprint import fingerprint, unchanged_since_last_refresh
from orchestration.publish.assets import DBT_TABLES, PUBLISHED, REGISTRIES

AUTOMATION_ON = get_settings().automation_on
SENSOR_DEFAULT = dg.DefaultSensorStatus.RUNNING if AUTOMATION_ON else dg.DefaultSensorStatus.STOPPED

refresh_job = dg.define_asset_job(
    "refresh_job", selection=dg.AssetSelection.all(),
    description="Everything from the landing zone to the publication (and the report).")

RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def new_waves(instance: dg.DagsterInstance) -> list[str]:
    """Waves in the landing zone that are not yet partitions."""
    waves, _warnings = discover_waves(get_settings().landing_dir)
    return [w for w in waves if not instance.has_dynamic_partition(survey_waves.name, w)]


def register_waves(instance: dg.DagsterInstance) -> list[str]:
    """Add the landing zone's new waves as partitions; return this data folder's registered waves."""
    added = new_waves(instance)
    if added:
        instance.add_dynamic_partitions(survey_waves.name, added)
    return registered_waves(instance)


def registered_waves(instance: dg.DagsterInstance) -> list[str]:
    """The registered waves (in registration order) that belong to this data folder."""
    settings = get_settings()
    ours = folder_waves(settings.landing_dir, settings.raw_dir)
    return [w for w in instance.get_dynamic_partitions(survey_waves.name) if w in ours]


def all_waves_tags(waves: list[str]) -> dict[str, str]:
    """Run tags that target every registered wave (the range in registration order)."""
    return {RANGE_START: waves[0], RANGE_END: waves[-1]} if waves else {}


def without_survey() -> dg.AssetSelection:
    """Everything but the survey waves (a refresh when no wave is registered yet)."""
    return dg.AssetSelection.all() - dg.AssetSelection.assets(raw_survey)


def refresh_selection(selection: dg.AssetSelection, asset_graph) -> list[dg.AssetKey] | None:
    """The assets a refresh of ``selection`` materialises (None: the whole job): without the report
    when ``SIW_REPORT=off``, for `make run`, the schedule and the sensor alike."""
    if not get_settings().build_report:
        selection = selection - dg.AssetSelection.groups("report")
    keys = selection.resolve(asset_graph)
    return None if keys == dg.AssetSelection.all().resolve(asset_graph) else list(keys)


@dg.schedule(job=refresh_job, cron_schedule="0 2 * * *", execution_timezone="Europe/Copenhagen",
             name="nightly_refresh",
             default_status=dg.DefaultScheduleStatus.RUNNING if AUTOMATION_ON else dg.DefaultScheduleStatus.STOPPED,
             description="Every night at 02:00 Copenhagen time: every wave, the interviews, the cases, dbt, the "
                         "publication gate and the report, unless nothing changed since the last successful "
                         "refresh (landing files, code, settings). Unchanged waves are skipped by sha256.")
def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    settings = get_settings()
    if not survey_available(settings.landing_dir, settings.raw_dir):
        return dg.SkipReason(NO_SURVEY)
    last = unchanged_since_last_refresh(settings, fingerprint(settings))
    if last:
        return dg.SkipReason(f"nothing changed since the refresh of {last} (landing files, code, settings)")
    waves = register_waves(context.instance)
    run_key = f"nightly-{context.scheduled_execution_time:%Y-%m-%d}"
    selection = refresh_selection(dg.AssetSelection.all() if waves else without_survey(),
                                  context.repository_def.asset_graph) if context.repository_def else None
    return dg.RunRequest(run_key=run_key, asset_selection=selection, tags=all_waves_tags(waves))


# --- the landing-zone sensor ------------------------------------------------------------------

SOURCES = {"interviews": raw_interviews, "cases": raw_cases, "frame": raw_frame}


def fingerprints(landing: Path, previous: dict) -> dict[str, list]:
    """path -> [size, mtime_ns, sha256] of every landing file; sha256 only recomputed when size or
    mtime changed (so a tick costs a stat per file, not a read)."""
    current = {}
    for path in sorted(p for p in landing.rglob("*") if p.is_file() and inside(landing, p)):
        relative = path.relative_to(landing).as_posix()
        stat = path.stat()
        known = previous.get(relative)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            current[relative] = known
        else:
            current[relative] = [stat.st_size, stat.st_mtime_ns, sha256_of(path)]
    return current


def ingested(landing: Path, raw_dir: Path) -> dict[str, list]:
    """What the raw layer's file registries say was read from ``landing``: path -> [None, None, sha256].

    The sensor's starting point when it has no cursor (a new instance, `make run` before `make dev`):
    files a refresh already read are not new."""
    globs = [str(raw_dir / pattern) for pattern in REGISTRIES if list(raw_dir.glob(pattern))]
    if not globs:
        return {}
    with duckdb.connect() as con:
        rows = con.execute(f"SELECT path, sha256 FROM read_parquet({globs}, union_by_name = true)").fetchall()
    known = {}
    for path, sha in rows:
        if Path(path).is_relative_to(landing):
            known[Path(path).relative_to(landing).as_posix()] = [None, None, sha]
    return known


def affected(changed: list[str]) -> tuple[set[str], set[str]]:
    """The waves and the other sources (interviews, cases, frame) that changed files belong to."""
    waves, sources = set(), set()
    for relative in changed:
        parts = relative.split("/")
        if parts[0] == "survey" and len(parts) > 2 and parts[1].startswith("wave="):
            waves.add(parts[1].removeprefix("wave="))
        elif parts[0] in SOURCES:
            sources.add(parts[0])
    return waves, sources


@dg.sensor(job=refresh_job, name="landing_zone_sensor", minimum_interval_seconds=60,
           default_status=SENSOR_DEFAULT,
           description="Notices new, changed or deleted exports in the landing zone (sha256, with a cursor that "
                       "starts from the raw layer's file registries) and requests at most one run per tick: the "
                       "changed waves and sources and what is downstream of them.")
def landing_zone_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    settings = get_settings()
    landing = settings.landing_dir
    previous = json.loads(context.cursor) if context.cursor else ingested(landing, settings.raw_dir)
    current = fingerprints(landing, previous) if landing.is_dir() else {}
    changed = [p for p, f in current.items() if previous.get(p, [None, None, None])[2] != f[2]]
    changed += [p for p in previous if p not in current]  # a deleted file changes its source too
    waves, sources = affected(changed)
    waves &= set(discover_waves(landing)[0]) if landing.is_dir() else set()
    registered = registered_waves(context.instance)
    fresh = sorted(w for w in waves if w not in registered)
    cursor = json.dumps(current, sort_keys=True)
    if not (waves or sources) or not survey_available(landing, settings.raw_dir):
        return dg.SensorResult(run_requests=[], cursor=cursor)
    # One run for everything that changed: all registered waves (unchanged ones skip by sha256)
    # when a wave changed, and the changed sources, each with what is downstream of it.
    selection = dg.AssetSelection.assets(*([raw_survey] if waves else []), *(SOURCES[s] for s in sorted(sources)))
    request = dg.RunRequest(
        run_key=f"landing-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S%f}",
        asset_selection=refresh_selection(selection.downstream(), context.repository_def.asset_graph),
        tags={**(all_waves_tags(registered + fresh) if waves else {}), "siw/trigger": "landing_zone_sensor",
              "siw/changed": " ".join(sorted(waves) + sorted(sources))})
    return dg.SensorResult(
        run_requests=[request], cursor=cursor,
        dynamic_partitions_requests=[survey_waves.build_add_request(fresh)] if fresh else [])


# --- freshness ---------------------------------------------------------------------------------

# A nightly refresh that silently stopped shows red: the publication and its tables are at most 26 h old.
freshness_checks = dg.build_last_update_freshness_checks(
    assets=[PUBLISHED, *[dg.AssetKey(["reporting", t]) for t in DBT_TABLES]],
    lower_bound_delta=dt.timedelta(hours=26))
freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=freshness_checks, name="freshness_checks_sensor",
    default_status=SENSOR_DEFAULT)
