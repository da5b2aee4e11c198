"""The nightly schedule, the landing-zone sensor and the failure alert, evaluated with built contexts."""

from __future__ import annotations

import ast
import datetime
import http.server
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import dagster as dg
import psutil
import pytest
from dagster._core.test_utils import freeze_time

from orchestration import pipeline
from orchestration.config import PROJECT_ROOT
from orchestration.definitions import defs
from orchestration.ingest.assets import raw_survey
from orchestration.operations.alerts import write_alert
from orchestration.operations.automation import (PUBLISHED, all_waves_tags, freshness_checks, landing_zone_sensor,
                                                 nightly_refresh)
from orchestration.pipeline import owner_alive


@pytest.fixture
def landing(dirs, sample_tree):
    landing, _data = dirs
    shutil.copytree(sample_tree, landing, dirs_exist_ok=True)
    return landing


def evaluate_sensor(instance, cursor=None) -> dg.SensorResult:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, repository_def=defs.get_repository_def())
    return landing_zone_sensor(context)


def test_nightly_refresh_targets_every_wave_at_two_in_copenhagen(landing, instance):
    assert nightly_refresh.cron_schedule == "0 2 * * *"
    assert nightly_refresh.execution_timezone == "Europe/Copenhagen"
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=datetime.datetime(2026, 11, 23, 2, 0))
    request = nightly_refresh.evaluate_tick(context).run_requests[0]
    assert request.tags["dagster/asset_partition_range_start"] == "2020-06"
    assert request.tags["dagster/asset_partition_range_end"] == "2021-03"
    assert set(instance.get_dynamic_partitions("survey_waves")) == {"2020-06", "2021-03"}


def test_the_schedule_and_the_sensor_leave_the_report_out_when_it_is_off(landing, instance, monkeypatch):
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=datetime.datetime(2026, 11, 23, 2, 0))
    for setting, with_report in (("off", False), ("on", True)):
        monkeypatch.setenv("SIW_REPORT", setting)
        nightly = nightly_refresh.evaluate_tick(context).run_requests[0]
        sensed = evaluate_sensor(instance).run_requests[0]
        assert (nightly.asset_selection is None) == with_report  # None: the whole job, report included
        keys = {k.to_user_string() for k in sensed.asset_selection}
        assert ("report/site" in keys) == with_report and "publish/report_database" in keys
        if not with_report:
            assert not any(k.to_user_string().startswith("report/") for k in nightly.asset_selection)


def test_a_data_folder_never_sees_the_waves_of_another_that_shares_the_instance(landing, instance):
    # Another data folder registered 2019-01 (first) and 2022-01 (last) in this Dagster instance.
    instance.add_dynamic_partitions("survey_waves", ["2019-01"])
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=datetime.datetime(2026, 11, 23, 2, 0))
    instance.add_dynamic_partitions("survey_waves", ["2020-06", "2022-01"])
    request = nightly_refresh.evaluate_tick(context).run_requests[0]
    assert (request.tags["dagster/asset_partition_range_start"],
            request.tags["dagster/asset_partition_range_end"]) == ("2020-06", "2021-03")
    sensed = evaluate_sensor(instance).run_requests[0]
    assert sensed.tags["dagster/asset_partition_range_end"] == "2021-03"
    # A run over the whole range (as an older run request might be) reads this folder's waves only,
    # without a warning about the others.
    everything = instance.get_dynamic_partitions("survey_waves")
    assert everything == ["2019-01", "2020-06", "2022-01", "2021-03"]
    result = dg.materialize([raw_survey], instance=instance, tags=all_waves_tags(everything))
    assert result.success
    waves = result.asset_materializations_for_node("raw_survey")[0].metadata["waves"].value
    assert "2020-06" in waves and "2021-03" in waves and "2019-01" not in waves and "2022-01" not in waves
    warnings = [e.message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert not any("2019-01" in w or "2022-01" in w for w in warnings), warnings


def test_sensor_requests_one_run_for_new_files_and_nothing_for_unchanged_ones(landing, instance):
    first = evaluate_sensor(instance)
    (everything,) = first.run_requests  # five new sources, one run
    assert everything.tags["dagster/asset_partition_range_start"] == "2020-06"
    assert everything.tags["dagster/asset_partition_range_end"] == "2021-03"
    assert everything.tags["siw/changed"] == "2020-06 2021-03 cases frame interviews"
    assert first.dynamic_partitions_requests[0].partition_keys == ["2020-06", "2021-03"]
    keys = {k.to_user_string() for k in everything.asset_selection}
    assert {"raw/survey/respondents", "raw/interviews/interviews", "raw/cases/cases", "raw/frame/frame",
            "publish/report_database"} <= keys

    second = evaluate_sensor(instance, first.cursor)
    assert second.run_requests == [] and second.cursor == first.cursor

    # One changed file: one run, for its source and what is downstream of it.
    (landing / "cases" / "case-001.json").write_text(
        (landing / "cases" / "case-001.json").read_text(encoding="utf-8").replace("Sammen", "Sammen igen"),
        encoding="utf-8")
    third = evaluate_sensor(instance, second.cursor)
    (request,) = third.run_requests
    assert request.tags["siw/changed"] == "cases" and "dagster/asset_partition_range_start" not in request.tags
    keys = {k.to_user_string() for k in request.asset_selection}
    assert "raw/cases/cases" in keys and "reporting/cases" in keys and "raw/survey/respondents" not in keys
    assert third.cursor != second.cursor
    assert json.loads(third.cursor)["cases/case-001.json"][2] != json.loads(second.cursor)["cases/case-001.json"][2]

    # A wave and a source changed at once: still one run, every registered wave and the source.
    instance.add_dynamic_partitions("survey_waves", ["2020-06", "2021-03"])
    for name in ("survey/wave=2021-03/dataset.xlsx", "frame/population_frame.csv"):
        (landing / name).write_bytes((landing / name).read_bytes() + b"\n")
    (both,) = evaluate_sensor(instance, third.cursor).run_requests
    assert both.tags["siw/changed"] == "2021-03 frame"
    assert both.tags["dagster/asset_partition_range_start"] == "2020-06"
    assert {"raw/survey/respondents", "raw/frame/frame"} <= {k.to_user_string() for k in both.asset_selection}


def test_sensor_starts_from_what_the_raw_layer_registered(landing, instance):
    """Files that a refresh already read (`make run` before `make dev`, a run before a restart)
    trigger nothing on the sensor's first tick; a file changed since then does."""
    instance.add_dynamic_partitions("survey_waves", ["2020-06", "2021-03"])
    raw = [k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "raw"]
    result = defs.resolve_job_def("refresh_job").execute_in_process(
        instance=instance, asset_selection=raw, tags=all_waves_tags(["2020-06", "2021-03"]))
    assert result.success
    first = evaluate_sensor(instance)  # no cursor: a new instance's first tick
    assert first.run_requests == []
    assert set(json.loads(first.cursor)) >= {"survey/wave=2020-06/dataset.csv", "cases/case-001.json"}
    (landing / "cases" / "case-001.json").write_bytes((landing / "cases" / "case-001.json").read_bytes() + b" ")
    (request,) = evaluate_sensor(instance).run_requests
    assert request.tags["siw/changed"] == "cases"


def test_the_nightly_refresh_skips_when_nothing_changed_since_the_last_refresh(built, instance):
    landing, _data = built
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=datetime.datetime(2026, 11, 24, 2, 0))
    skipped = nightly_refresh.evaluate_tick(context)
    assert skipped.run_requests == [] and "nothing changed since the refresh of" in skipped.skip_message
    (landing / "cases" / "case-001.json").write_bytes((landing / "cases" / "case-001.json").read_bytes() + b" ")
    assert len(nightly_refresh.evaluate_tick(context).run_requests) == 1


def test_sensor_ignores_a_folder_that_is_not_a_wave(landing, instance):
    cursor = evaluate_sensor(instance).cursor
    (landing / "survey" / "juni").mkdir()
    (landing / "survey" / "juni" / "dataset.csv").write_text("x")
    assert evaluate_sensor(instance, cursor).run_requests == []


def test_failure_alert_is_written_with_reason_and_link(dirs, monkeypatch):
    _landing, data = dirs
    monkeypatch.setenv("SIW_DAGSTER_URL", "http://127.0.0.1:3000")
    alert = write_alert("abc123", "refresh_job", ["check gx_cases on publish/report_database failed: e-mail"])
    (path,) = (data / "alerts").glob("*.json")
    stored = json.loads(path.read_text())
    assert stored == alert
    assert stored["link"] == "http://127.0.0.1:3000/runs/abc123" and "gx_cases" in stored["reasons"][0]


def test_failure_sensor_alerts_on_a_real_failed_run(dirs, instance):
    landing, data = dirs
    (landing / "survey" / "wave=2020-06").mkdir(parents=True)
    (landing / "survey" / "wave=2020-06" / "dataset.csv").write_text("respondentid\n1\n")
    instance.add_dynamic_partitions("survey_waves", ["2020-06"])
    job = defs.resolve_job_def("refresh_job")
    result = job.execute_in_process(instance=instance, partition_key="2020-06", raise_on_error=False,
                                    asset_selection=list(raw_survey.keys))
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = next(e for e in instance.all_logs(run.run_id) if e.dagster_event
                   and e.dagster_event.event_type_value == "PIPELINE_FAILURE").dagster_event
    sensor = defs.get_sensor_def("alert_on_run_failure")
    context = dg.build_run_status_sensor_context(sensor_name=sensor.name, dagster_instance=instance,
                                                 dagster_run=run, dagster_event=failure)
    sensor(context.for_run_failure())
    (path,) = (data / "alerts").glob("*.json")
    alert = json.loads(path.read_text())
    assert "pandera_survey_contract" in " ".join(alert["reasons"]) and "structure.csv" in " ".join(alert["reasons"])
    assert alert["run_id"] == run.run_id


def test_failure_alert_is_posted_to_the_webhook(dirs, monkeypatch):
    received = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    monkeypatch.setenv("SIW_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/hook")
    write_alert("run-1", "refresh_job", ["step published_report_database failed"])
    thread.join(timeout=10)
    server.server_close()
    assert received and received[0]["run_id"] == "run-1" and received[0]["reasons"] == [
        "step published_report_database failed"]


def test_the_sensor_requests_a_run_for_a_deleted_file(landing, instance):
    cursor = evaluate_sensor(instance).cursor
    (landing / "cases" / "case-001.json").unlink()
    result = evaluate_sensor(instance, cursor)
    (request,) = result.run_requests
    assert request.tags["siw/changed"] == "cases"
    assert "cases/case-001.json" not in json.loads(result.cursor)


def test_without_any_survey_wave_nothing_starts_and_nothing_is_published(dirs, sample_tree, instance, capsys):
    """A landing zone with the other sources but no wave, and no wave ingested before: `make run`
    stops with the reason, the schedule skips with it, the sensor requests nothing."""
    landing, data = dirs
    for source in ("interviews", "cases", "frame"):
        shutil.copytree(sample_tree / source, landing / source)
    assert pipeline.run(allow_sample=False) == 1
    assert "no survey wave in the landing zone" in capsys.readouterr().err
    assert not (data / "published").exists() and instance.get_runs() == []
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=datetime.datetime(2026, 11, 23, 2, 0))
    skipped = nightly_refresh.evaluate_tick(context)
    assert skipped.run_requests == [] and "no survey wave" in skipped.skip_message
    assert evaluate_sensor(instance).run_requests == []


def test_the_nightly_refresh_without_a_registered_wave_leaves_the_survey_out(dirs, sample_build, instance):
    """Waves ingested before (in the raw layer) but none registered in this instance (a new Dagster
    home): the refresh runs without the survey step, on the raw layer as it is."""
    landing, data = dirs
    shutil.copytree(sample_build.data / "raw", data / "raw")
    shutil.copytree(sample_build.landing / "cases", landing / "cases")
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def(),
                                       scheduled_execution_time=datetime.datetime(2026, 11, 23, 2, 0))
    (request,) = nightly_refresh.evaluate_tick(context).run_requests
    keys = {k.to_user_string() for k in request.asset_selection}
    assert "raw/cases/cases" in keys and "publish/report_database" in keys
    assert not {k for k in keys if k.startswith("raw/survey/")}
    assert "dagster/asset_partition_range_start" not in request.tags


def test_automation_off_starts_schedules_and_sensors_stopped():
    """SIW_AUTOMATION is read when the definitions load: a process of its own for each value."""
    script = ("from orchestration.definitions import defs\n"
              "print(sorted((s.name, s.default_status.value) for s in [*defs.schedules, *defs.sensors]))")
    statuses = {}
    for value in ("off", "on"):
        env = {**os.environ, "SIW_AUTOMATION": value, "PYTHONPATH": str(PROJECT_ROOT)}
        done = subprocess.run([sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT, capture_output=True,
                              text=True, timeout=300, check=True)
        statuses[value] = dict(ast.literal_eval(done.stdout.strip().splitlines()[-1]))
    assert set(statuses["off"]) >= {"nightly_refresh", "landing_zone_sensor", "freshness_checks_sensor"}
    assert statuses["off"]["nightly_refresh"] == "STOPPED" and statuses["off"]["landing_zone_sensor"] == "STOPPED"
    assert statuses["off"]["freshness_checks_sensor"] == "STOPPED"
    assert statuses["on"]["nightly_refresh"] == "RUNNING" and statuses["on"]["landing_zone_sensor"] == "RUNNING"


def evaluate_freshness(instance) -> list[dg.AssetCheckEvaluation]:
    """Run the project's freshness checks (on the publication and every published table) once."""
    keys = {key for check in freshness_checks for key in check.check_keys}
    job = dg.define_asset_job("freshness", selection=dg.AssetSelection.checks(*freshness_checks))
    checked = dg.Definitions(assets=[dg.AssetSpec(k.asset_key) for k in keys], asset_checks=freshness_checks,
                             jobs=[job])
    return checked.resolve_job_def("freshness").execute_in_process(instance=instance).get_asset_check_evaluations()


def test_a_publication_older_than_26_hours_fails_its_freshness_check(instance):
    keys = {key.asset_key for check in freshness_checks for key in check.check_keys}
    assert PUBLISHED in keys and len(keys) > 10
    for key in keys:
        instance.report_runless_asset_event(dg.AssetMaterialization(key))
    now = time.time()
    # freeze_time is Dagster's own test clock: the check compares the last update with "now".
    with freeze_time(now + 25 * 3600):
        assert all(e.passed for e in evaluate_freshness(instance))
    with freeze_time(now + 27 * 3600):
        stale = evaluate_freshness(instance)
    assert len(stale) == len(keys) and not any(e.passed for e in stale)
    publication = next(e for e in stale if e.asset_key == PUBLISHED)
    assert "ago" in (publication.description or "") or publication.metadata


def test_owner_alive_tells_a_reused_process_id_from_the_run_owner():
    me = psutil.Process()
    assert owner_alive(me.pid, me.create_time())  # the process that started the run
    assert not owner_alive(me.pid, me.create_time() - 3600)  # the pid was reused by a newer process
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not owner_alive(child.pid, time.time())  # gone


def test_an_unreachable_webhook_keeps_the_alert_on_disk_and_says_why(dirs, monkeypatch, caplog):
    _landing, data = dirs
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("SIW_ALERT_WEBHOOK", f"http://127.0.0.1:{port}/hook")
    with caplog.at_level(logging.ERROR, logger="siw.alerts"):
        alert = write_alert("run-2", "refresh_job", ["step published_report_database failed"])
    assert "webhook_error" in alert and "refused" in alert["webhook_error"].lower()
    (path,) = (data / "alerts").glob("*.json")
    assert json.loads(path.read_text())["run_id"] == "run-2"
    assert any("alert webhook" in r.message and "failed" in r.message for r in caplog.records)
