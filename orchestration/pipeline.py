"""``make run``: write the sample when the default landing zone is empty, then materialise
every asset in one run of ``refresh_job`` (all survey waves and everything downstream, as the
nightly schedule does) in the Dagster instance under ``DAGSTER_HOME``, and say where the results are. Exits non-zero with the
reason when a gate fails.

    python -m orchestration.pipeline [--no-sample]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import os
import sys
import uuid
from typing import TYPE_CHECKING

import psutil

from orchestration.config import export_environment, get_settings
from orchestration.refusals import standing_refusals
from orchestration.ingest.landing import NO_SURVEY, discover_waves, survey_available
from orchestration.operations.fingerprint import fingerprint, record_refresh, unchanged_since_last_refresh
from orchestration.study import StudyInvalid, validate_study

# Dagster, dbt, Great Expectations and pandera are imported only once a refresh is due: importing
# them takes several seconds, which would be most of a no-change refresh.
if TYPE_CHECKING:
    import dagster as dg


def ensure_landing(settings, allow_sample: bool) -> None:
    """Write the sample tree into the default landing zone when it is empty (never a user's)."""
    landing = settings.landing_dir
    empty = not landing.exists() or not any(landing.iterdir())
    if empty and settings.landing_is_default and allow_sample:
        from orchestration.sample_exports import write_landing_tree

        print(f"landing zone {landing} is empty: writing the sample exports")
        write_landing_tree(landing)
    elif empty:
        raise SystemExit(f"landing zone {landing} is empty; put the exports there (see README)")


def reclaim_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the in-process refreshes whose process died (a kill, a crash) and free their pool slots.

    An in-process run claims its ops' slots of the `warehouse` pool in the instance; a process
    that is killed never gives them back, and every later run would wait for them forever.
    """
    import dagster as dg

    from orchestration.adapters import fail_dead_run

    reclaimed = []
    for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING],
                                               tags={"siw/trigger": "make run"})):
        pid = int(run.tags.get("siw/pid", "0"))
        if pid and not owner_alive(pid, run_start(instance, run)):
            fail_dead_run(instance, run, f"the process {pid} of this refresh is gone (killed or crashed)")
            reclaimed.append(run.run_id)
    return reclaimed


def owner_alive(pid: int, started: float) -> bool:
    """True while the process that started a run at ``started`` still runs (not a newer one with its pid)."""
    try:
        return psutil.Process(pid).create_time() <= started + 1
    except psutil.NoSuchProcess:
        return False


def run_start(instance: dg.DagsterInstance, run: dg.DagsterRun) -> float:
    """When a run started (epoch seconds), to tell its process from a later one with the same pid."""
    record = instance.get_run_record_by_id(run.run_id)
    return record.start_time or record.create_timestamp.timestamp()


@contextlib.contextmanager
def instance_setup_lock():
    """An exclusive file lock in DAGSTER_HOME while a refresh opens (and may create) the instance."""
    home = get_settings().dagster_home
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".setup.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def run(allow_sample: bool = True, force: bool = False) -> int:
    """Materialise everything (unless nothing changed since the last refresh); return the exit code."""
    settings = export_environment()
    try:  # an invalid study definition stops the refresh before anything is read
        validate_study(settings.study_path)
    except StudyInvalid as invalid:
        print(f"The refresh did not start: {invalid}", file=sys.stderr)
        return 1
    ensure_landing(settings, allow_sample)
    if not survey_available(settings.landing_dir, settings.raw_dir):
        print(f"The refresh did not start: {NO_SURVEY}", file=sys.stderr)
        return 1
    current = fingerprint(settings)
    last = None if force else unchanged_since_last_refresh(settings, current)
    if last:
        print(f"nothing changed since the refresh of {last} (landing files, code, settings): nothing to do "
              f"(--force refreshes anyway)\npublished database:    {settings.published_path}")
        return 0
    import dagster as dg

    from orchestration.definitions import defs  # after the environment is exported
    from orchestration.operations.automation import (all_waves_tags, refresh_job, refresh_selection, register_waves,
                                                     without_survey)
    from orchestration.operations.console import RunWatcher, logged_to_file, step_totals

    for warning in discover_waves(settings.landing_dir)[1]:
        print(f"warning: {warning}")
    with instance_setup_lock():
        # Two refreshes starting at once on a new DAGSTER_HOME would both create its SQLite tables
        # ("table secondary_indexes already exists"): the first one creates them, the other waits.
        instance = dg.DagsterInstance.get()
        for run_id in reclaim_dead_runs(instance):
            print(f"warning: run {run_id} had died mid-way; marked failed and its warehouse slots freed")
        waves = register_waves(instance)
    job = defs.resolve_job_def(refresh_job.name)
    graph = defs.resolve_asset_graph()
    selection = refresh_selection(dg.AssetSelection.all() if waves else without_survey(), graph)
    run_id = str(uuid.uuid4())  # known before the run starts, so its events can be followed
    with logged_to_file(settings.logs_dir) as (log_path, console):
        console.say(f"refresh {run_id} (full log: {log_path})")
        with RunWatcher(run_id, console, step_totals(graph, None if selection is None else set(selection)), log_path):
            result = job.execute_in_process(
                instance=instance, run_id=run_id, asset_selection=selection, raise_on_error=False,
                tags={**all_waves_tags(waves), "siw/trigger": "make run", "siw/pid": str(os.getpid())})
        return report_outcome(settings, console, result, current)


def report_outcome(settings, console, result: dg.ExecuteInProcessResult, current: str) -> int:
    """Say how the refresh ended: the files refused, the failure reasons or where the results are."""
    from orchestration.operations.alerts import failure_reasons

    for source, _kind, path, reason in standing_refusals(settings.raw_dir):
        console.say(f"refused ({source}): {path}: {reason}", error=True)
    reasons = failure_reasons(result.all_events)
    if reasons:
        console.say("\nThe refresh stopped (a failed gate or step); the last good publication and report stay "
                    "in place:", error=True)
        for reason in dict.fromkeys(reasons):
            console.say(f"  - {reason}", error=True)
        return 1
    record_refresh(settings, current, result.run_id, dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    console.say(f"\nwarehouse ({settings.engine}):{' ' * (10 - len(settings.engine))}{settings.engine_warehouse}")
    console.say(f"published database:    {settings.published_path}")
    console.say(f"publication gate docs: {settings.data_docs_dir / 'index.html'}")
    if settings.build_report:
        console.say(f"report site:           {settings.report_site_dir} (make report serves it on 127.0.0.1)")
        console.say(f"printable report:      {settings.report_pdf_path}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Materialise every asset of the warehouse.")
    parser.add_argument("--no-sample", action="store_true", help="never write the sample exports")
    parser.add_argument("--force", action="store_true", help="refresh even when nothing changed")
    args = parser.parse_args(argv)
    sys.exit(run(allow_sample=not args.no_sample, force=args.force))


if __name__ == "__main__":
    main()
