"""The Dagster UI for real: started by `make dev`, pages checked in headless Chromium, runs launched
through GraphQL, and nothing left running after Ctrl-C, SIGTERM or SIGHUP, runs in flight included."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import dagster as dg
import psutil
import pytest

from conftest import (assert_warehouse_steps_serialised, default_signals, phase, published_tables, query_db,
                      start_run)
from orchestration.config import PROJECT_ROOT
from orchestration.definitions import defs

# The webserver, daemon and code server, a run and Chromium: minutes (make test-all).
pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "chromium"  # installed by `make test` (target browser)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql",
                                     data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:  # a busy 2-core machine is slow to launch
        return json.load(response)


def page_text(port: int, path: str, profile) -> str:
    """The rendered DOM of a UI page, as headless Chromium sees it after the scripts ran."""
    html = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=30000", "--dump-dom",
         f"http://127.0.0.1:{port}/{path}"], capture_output=True, text=True, timeout=120).stdout
    return html


@pytest.fixture
def dev_server(dirs, sample_tree, tmp_path, monkeypatch):
    """`make dev` in a session of its own (its process group, as a terminal runs it): (make, port, home)."""
    landing, data = dirs
    shutil.copytree(sample_tree, landing, dirs_exist_ok=True)
    home = tmp_path / "dagster_home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))  # dagster.yaml's storage is under $DAGSTER_HOME, here too
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "SIW_AUTOMATION": "off", "PYTHONPATH": str(PROJECT_ROOT)}
    make = subprocess.Popen(["make", "-s", "dev", f"DEV_PORT={port}"], cwd=PROJECT_ROOT, env=env,
                            start_new_session=True, preexec_fn=default_signals,
                            stdout=open(tmp_path / "dev.log", "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
            break
        except OSError:
            time.sleep(2)
    else:
        make.kill()
        pytest.fail("the Dagster webserver did not come up: " + (tmp_path / "dev.log").read_text()[-2000:])
    yield make, port, home
    if make.poll() is None:  # the test failed before the stop: nothing of the server may outlive it
        tree = psutil.Process(make.pid).children(recursive=True)
        os.killpg(make.pid, signal.SIGKILL)
        for process in tree:  # `dagster dev` and its services run in process groups of their own
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass


def launch(port: int, assets: list[list[str]] | None, tags: dict[str, str]) -> str:
    """Launch refresh_job (or some of its assets) through GraphQL, as the UI does; the run id."""
    launched = graphql(port, """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
        ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""", {"p": {
        "selector": {"repositoryLocationName": "social_innovation_warehouse", "repositoryName": "__repository__",
                     "jobName": "refresh_job",
                     **({"assetSelection": [{"path": key} for key in assets]} if assets else {})},
        "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in tags.items()]}}})
    assert launched["data"]["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    return launched["data"]["launchRun"]["run"]["runId"]


def run_status(port: int, run_id: str) -> str:
    return graphql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
                   {"id": run_id})["data"]["runOrError"]["status"]


def test_ui_renders_the_project_and_its_runs_queue_with_make_run_both_ways(dev_server, dirs, sample_build, tmp_path):
    _make, port, home = dev_server
    lineage = page_text(port, "asset-groups", tmp_path / "chrome")
    for group in ("raw", "staging", "marts", "reporting", "publish"):
        assert f">{group}<" in lineage, group
    checks = page_text(port, "assets/raw/survey/respondents?view=checks", tmp_path / "chrome")
    assert "pandera_survey_contract" in checks
    catalog = page_text(port, "assets", tmp_path / "chrome")
    assert "int_survey__base_answers" in catalog

    # A run from the UI while `make run` runs dbt, then `make run` while a UI run runs dbt: each waits
    # for the warehouse pool, all end green, and the publication is that of a clean refresh.
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT)}
    waves = sorted(p.name.removeprefix("wave=") for p in (dirs[0] / "survey").iterdir())
    tags = {"siw/trigger": "ui-test", "dagster/asset_partition_range_start": waves[0],
            "dagster/asset_partition_range_end": waves[-1]}
    without_report = [k.path for k in (dg.AssetSelection.all() - dg.AssetSelection.groups("report")).resolve(
        defs.resolve_asset_graph())]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        cli_runs, ui_runs = [], []
        for order, first in enumerate(("make run", "ui")):
            log = tmp_path / f"make-run-{order}.log"
            if first == "make run":
                cli = start_run(env, log)
                run_id = wait_for_dbt(instance, lambda: newest_run(instance, "make run"), cli)
                ui_runs.append(launch(port, without_report, tags))
            else:
                ui_runs.append(launch(port, without_report, tags))
                wait_for_dbt(instance, lambda: ui_runs[-1], None)
                cli = start_run(env, log, "--force")  # the same files: forced, or it would do nothing
            assert cli.wait(timeout=900) == 0, log.read_text(errors="replace")[-3000:]
            cli_runs.append(newest_run(instance, "make run"))
            assert wait_for_end(port, ui_runs[-1]) == "SUCCESS"
        assert len(set(cli_runs)) == 2 and run_id == cli_runs[0]
        assert [instance.get_run_by_id(r).status for r in cli_runs] == [dg.DagsterRunStatus.SUCCESS] * 2
        assert_warehouse_steps_serialised(instance, cli_runs + ui_runs)
    assert len(query_db(dirs[1] / "published/report.duckdb", "SELECT * FROM reporting.refresh")) == 4
    assert published_tables(dirs[1] / "published/report.duckdb") == published_tables(sample_build.published)


def newest_run(instance: dg.DagsterInstance, trigger: str) -> str | None:
    """The id of the newest run with this ``siw/trigger`` tag."""
    runs = instance.get_runs(dg.RunsFilter(tags={"siw/trigger": trigger}), limit=1)
    return runs[0].run_id if runs else None


def wait_for_dbt(instance: dg.DagsterInstance, run_id_of, process: subprocess.Popen | None) -> str:
    """Wait until the run (its id from ``run_id_of``) has started its dbt step; its id."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        run_id = run_id_of()
        if run_id and phase(instance, run_id) == "dbt":
            return run_id
        assert process is None or process.poll() is None, "make run ended before its dbt step was seen"
        time.sleep(0.2)
    pytest.fail("the run did not reach its dbt step within 5 minutes")


def wait_for_end(port: int, run_id: str) -> str:
    status, deadline = None, time.monotonic() + 900
    while time.monotonic() < deadline and status not in ("SUCCESS", "FAILURE", "CANCELED"):
        time.sleep(2)
        status = run_status(port, run_id)
    return status


@pytest.mark.parametrize("signum, to", [(signal.SIGINT, "group"), (signal.SIGTERM, "make"), (signal.SIGHUP, "group")],
                         ids=["SIGINT-ctrl-c", "SIGTERM-service-manager", "SIGHUP-terminal-closed"])
def test_make_dev_stops_within_20_s_with_a_run_in_flight_and_leaves_nothing(dev_server, dirs, signum, to):
    make, port, home = dev_server
    waves = sorted(p.name.removeprefix("wave=") for p in (dirs[0] / "survey").iterdir())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions("survey_waves", waves)
        run_id = launch(port, None, {"siw/trigger": "ui-test", "dagster/asset_partition_range_start": waves[0],
                                     "dagster/asset_partition_range_end": waves[-1]})
        wait_for_dbt(instance, lambda: run_id, None)  # Dagster's events: the dbt step started
        deadline = time.monotonic() + 60  # and its dbt process runs: the deepest process tree of a refresh
        while True:
            tree = psutil.Process(make.pid).children(recursive=True)
            if any("dbt" in " ".join(command) and "build" in command for command in map(cmdline, tree)):
                break
            assert time.monotonic() < deadline, [cmdline(p)[:3] for p in tree]
            time.sleep(0.2)
        started = time.monotonic()
        if to == "group":  # what a terminal does: Ctrl-C or a hang-up reaches its foreground group
            os.killpg(make.pid, signum)
        else:  # a service manager's stop: the main process only
            os.kill(make.pid, signum)
        try:
            make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make dev still runs 60 s after {signum.name}: "
                        + (home.parent / "dev.log").read_text(errors="replace")[-2000:])
        psutil.wait_procs(tree, timeout=max(0.0, 20 - (time.monotonic() - started)))
        elapsed = time.monotonic() - started
        left = [cmdline(p)[:4] for p in alive(tree) + of_this_home(home)]
        assert left == [] and elapsed < 20, (left, elapsed)
        run = instance.get_run_by_id(run_id)
        assert run.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED), run.status
        assert instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots == []


def cmdline(process: psutil.Process) -> list[str]:
    """A process's command line ([] once it has ended: processes come and go while a run works)."""
    try:
        return process.cmdline() if process.status() != psutil.STATUS_ZOMBIE else []
    except psutil.Error:
        return []


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """The processes of a list still running (not exited, not a zombie)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            pass
    return running


def of_this_home(home) -> list[psutil.Process]:
    """Any process on the machine working for this Dagster home (started after the tree was listed)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.pid != os.getpid() and process.environ().get("DAGSTER_HOME") == str(home):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return alive(found)
