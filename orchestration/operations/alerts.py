"""Alerts for failed runs: what failed (check, file, step), written to a log line, a JSON file under
``$SIW_DATA_DIR/alerts/`` and, when ``SIW_ALERT_WEBHOOK`` is set, posted there."""

from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.request
from collections.abc import Iterable

import dagster as dg

from orchestration.config import get_settings

log = logging.getLogger("siw.alerts")


def failure_reasons(events: Iterable[dg.DagsterEvent]) -> list[str]:
    """Readable reasons of a failed run: failed blocking checks with what they found, failed steps."""
    reasons = []
    for event in events:
        if event is None:
            continue
        if event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR:
                key = evaluation.asset_key.to_user_string()
                reasons.append(f"check {evaluation.check_name} on {key} failed: {evaluation.description or ''}")
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            message = error.message.strip().splitlines()[0] if error else ""
            if error and error.cause:
                message = error.cause.message.strip().splitlines()[0]
            reasons.append(f"step {event.step_key} failed: {message}")
    return list(dict.fromkeys(reasons))


def run_link(run_id: str) -> str:
    """Where the run is in the Dagster UI (``SIW_DAGSTER_URL``, default the local webserver)."""
    return f"{get_settings().dagster_url}/runs/{run_id}"


def write_alert(run_id: str, job_name: str, reasons: list[str]) -> dict:
    """Log, store and (optionally) post one alert; returns it."""
    alert = {"kind": "run_failure", "run_id": run_id, "job": job_name,
             "failed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
             "reasons": reasons or ["the run failed (no check or step named a reason)"], "link": run_link(run_id)}
    settings = get_settings()
    folder = settings.data_dir / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{alert['failed_at'].replace(':', '')}-{run_id}.json"
    path.write_text(json.dumps(alert, ensure_ascii=False, indent=2), encoding="utf-8")
    log.error("run %s of %s failed: %s (%s)", run_id, job_name, " | ".join(alert["reasons"]), alert["link"])
    webhook = settings.alert_webhook
    if webhook:
        request = urllib.request.Request(webhook, data=json.dumps(alert).encode("utf-8"),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10):
                pass
        except OSError as error:  # an unreachable webhook must not hide the alert on disk
            log.error("alert webhook %s failed: %s", webhook, error)
            alert["webhook_error"] = str(error)
    return alert


@dg.run_failure_sensor(name="alert_on_run_failure", default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Writes an alert (log line, JSON under $SIW_DATA_DIR/alerts/, optional webhook) "
                                   "naming the failed check, file or step and linking the run.")
def alert_on_run_failure(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    events = [entry.dagster_event for entry in context.instance.all_logs(run.run_id)]
    write_alert(run.run_id, run.job_name, failure_reasons(events))
