"""The Dagster UI for real: started as `make dev` starts it, pages checked in headless Chromium, a run
launched through GraphQL, and nothing left running after Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from orchestration.config import PROJECT_ROOT

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
    with urllib.request.urlopen(request, timeout=30) as response:
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
def dev_server(dirs, sample_tree, tmp_path):
    landing, data = dirs
    shutil.copytree(sample_tree, landing, dirs_exist_ok=True)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "SIW_AUTOMATION": "off", "PYTHONPATH": str(PROJECT_ROOT)}
    wrapper = subprocess.Popen([sys.executable, "-m", "orchestration.dev_server", "--port", str(port)],
                               cwd=PROJECT_ROOT, env=env, start_new_session=True,
                               stdout=open(tmp_path / "dev.log", "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
            break
        except OSError:
            time.sleep(2)
    else:
        wrapper.kill()
        pytest.fail("the Dagster webserver did not come up: " + (tmp_path / "dev.log").read_text()[-2000:])
    yield wrapper, port
    if wrapper.poll() is None:  # the test failed before Ctrl-C: nothing of the server may outlive it
        tree = psutil.Process(wrapper.pid).children(recursive=True)
        os.killpg(wrapper.pid, signal.SIGKILL)
        for process in tree:  # `dagster dev` and its services run in process groups of their own
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass


def test_ui_renders_the_project_runs_a_materialisation_and_stops_cleanly(dev_server, tmp_path):
    wrapper, port = dev_server
    lineage = page_text(port, "asset-groups", tmp_path / "chrome")
    for group in ("raw", "staging", "marts", "reporting", "publish"):
        assert f">{group}<" in lineage, group
    checks = page_text(port, "assets/raw/survey/respondents?view=checks", tmp_path / "chrome")
    assert "pandera_survey_contract" in checks
    catalog = page_text(port, "assets", tmp_path / "chrome")
    assert "int_survey__base_answers" in catalog

    launched = graphql(port, """mutation($p: ExecutionParams!) { launchRun(executionParams: $p) { __typename
        ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""", {"p": {
        "selector": {"repositoryLocationName": "social_innovation_warehouse", "repositoryName": "__repository__",
                     "jobName": "refresh_job",
                     "assetSelection": [{"path": ["raw", "cases", t]} for t in ("cases", "case_partners", "case_items")]},
        "executionMetadata": {"tags": [{"key": "siw/trigger", "value": "ui-test"}]}}})
    run_id = launched["data"]["launchRun"]["run"]["runId"]
    status, deadline = None, time.monotonic() + 240
    while time.monotonic() < deadline and status not in ("SUCCESS", "FAILURE", "CANCELED"):
        time.sleep(2)
        status = graphql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
                         {"id": run_id})["data"]["runOrError"]["status"]
    assert status == "SUCCESS"

    processes = psutil.Process(wrapper.pid).children(recursive=True)
    assert processes  # dagster dev, its webserver, daemon and code server
    os.killpg(wrapper.pid, signal.SIGINT)  # what Ctrl-C in the terminal does to `make dev`
    assert wrapper.wait(timeout=90) == 0
    _gone, left = psutil.wait_procs(processes, timeout=10)  # the services exit with it, not later
    left = [p for p in left if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [p.cmdline()[:3] for p in left]
