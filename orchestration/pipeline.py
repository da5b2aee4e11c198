"""``make run``: write the sample when the default landing zone is empty, then materialise
every asset (each survey wave as its partition, then everything downstream) in the Dagster
instance under ``DAGSTER_HOME``, and say where the results are. Exits non-zero with the
reason when a gate fails.

    python -m orchestration.pipeline [--no-sample]
"""

from __future__ import annotations

import argparse
import sys

import dagster as dg

from orchestration.config import export_environment
from orchestration.ingest.assets import raw_survey
from orchestration.ingest.landing import discover_waves
from orchestration.sample_exports import write_landing_tree


def ensure_landing(settings, allow_sample: bool) -> None:
    """Write the sample tree into the default landing zone when it is empty (never a user's)."""
    landing = settings.landing_dir
    empty = not landing.exists() or not any(landing.iterdir())
    if empty and settings.landing_is_default and allow_sample:
        print(f"landing zone {landing} is empty: writing the sample exports")
        write_landing_tree(landing)
    elif empty:
        raise SystemExit(f"landing zone {landing} is empty; put the exports there (see README)")


def failure_reasons(result: dg.ExecuteInProcessResult) -> list[str]:
    """Readable reasons of a failed run: failed checks with their description, failed steps."""
    reasons = []
    for event in result.all_events:
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                key = evaluation.asset_key.to_user_string()
                reasons.append(f"check {evaluation.check_name} on {key} failed: {evaluation.description or ''}")
        if event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            message = error.message.strip().splitlines()[0] if error else ""
            if error and error.cause:
                message = error.cause.message.strip().splitlines()[0]
            reasons.append(f"step {event.step_key} failed: {message}")
    return reasons


def run(allow_sample: bool = True) -> int:
    """Materialise everything; return the exit code."""
    settings = export_environment()
    ensure_landing(settings, allow_sample)
    from orchestration.definitions import defs  # after the environment is exported

    instance = dg.DagsterInstance.get()
    waves, warnings = discover_waves(settings.landing_dir)
    for warning in warnings:
        print(f"warning: {warning}")
    new = [w for w in waves if not instance.has_dynamic_partition("survey_waves", w)]
    if new:
        instance.add_dynamic_partitions("survey_waves", new)
    assets = list(defs.assets)
    reasons: list[str] = []
    for wave in waves:
        result = dg.materialize(assets, selection=dg.AssetSelection.assets(raw_survey), partition_key=wave,
                                instance=instance, resources=defs.resources, raise_on_error=False,
                                tags={"siw/trigger": "make run"})
        reasons += failure_reasons(result)
    if not reasons:
        rest = dg.AssetSelection.all() - dg.AssetSelection.assets(raw_survey)
        result = dg.materialize(assets, selection=rest, instance=instance, resources=defs.resources,
                                raise_on_error=False, tags={"siw/trigger": "make run"})
        reasons += failure_reasons(result)
    if reasons:
        print("\nThe refresh stopped at a gate; the last good publication stays in place:", file=sys.stderr)
        for reason in dict.fromkeys(reasons):
            print(f"  - {reason}", file=sys.stderr)
        return 1
    print(f"\nwarehouse:             {settings.warehouse_path}")
    print(f"published database:    {settings.published_path}")
    print(f"publication gate docs: {settings.data_docs_dir / 'index.html'}")
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Materialise every asset of the warehouse.")
    parser.add_argument("--no-sample", action="store_true", help="never write the sample exports")
    args = parser.parse_args(argv)
    sys.exit(run(allow_sample=not args.no_sample))


if __name__ == "__main__":
    main()
