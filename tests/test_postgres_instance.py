"""The shared deployment for real: `deploy/dagster.postgres.yaml` against a PostgreSQL server (Debian's
package) started on loopback, a refresh (`make run`), then the code location, daemon and webserver
started with the commands of their units in `deploy/systemd/`: a landing-zone sensor tick launches a
run through the daemon, and the UI shows the run history kept in PostgreSQL."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import shlex
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg2
import pytest

from conftest import default_signals, start_run
from orchestration.config import PROJECT_ROOT
from test_dagster_ui import free_port, graphql, page_text, wait_for_end

# A database server, two refreshes, the webserver and daemon: minutes (make test-all).
pytestmark = pytest.mark.slow
PASSWORD = "siw-test-only"  # a throwaway cluster on loopback, deleted after the test


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as Debian's `postgres` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture
def postgres():
    """A PostgreSQL cluster of the test's own on 127.0.0.1 with password authentication; its port."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    assert binaries, "Debian's postgresql package is missing (make test-all installs it)"
    bin_dir = Path(binaries[-1])
    root = Path(tempfile.mkdtemp(prefix="siw-pg-"))  # outside pytest's root-only temp folder
    data = root / "data"
    (root / "pwfile").write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        os.chown(root / "pwfile", user.pw_uid, user.pw_gid)
    subprocess.run(as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "siw", "--auth=scram-sha-256",
                                f"--pwfile={root / 'pwfile'}", "-E", "UTF8", "--locale=C"]),
                   check=True, capture_output=True)
    port = free_port()
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log")]
    subprocess.run(as_postgres([*pg_ctl, "-w", "-o", f"-h 127.0.0.1 -p {port} -k {root}", "start"]),
                   check=True, capture_output=True, timeout=120)
    con = psycopg2.connect(host="127.0.0.1", port=port, user="siw", password=PASSWORD, dbname="postgres")
    con.autocommit = True
    con.cursor().execute("CREATE DATABASE dagster")
    con.close()
    try:
        yield port
    finally:
        subprocess.run(as_postgres([*pg_ctl, "-m", "fast", "stop"]), capture_output=True, timeout=120)
        shutil.rmtree(root, ignore_errors=True)


def run_history(port: int) -> list[tuple[str, str, str]]:
    """(run id, status, siw/trigger) of every run, read from PostgreSQL itself."""
    with contextlib.closing(psycopg2.connect(host="127.0.0.1", port=port, user="siw", password=PASSWORD,
                                             dbname="dagster")) as con, con.cursor() as cursor:
        cursor.execute("SELECT run_id, status, run_body FROM runs ORDER BY create_timestamp")
        return [(run_id, status, json.loads(body)["tags"].get("siw/trigger", ""))
                for run_id, status, body in cursor.fetchall()]


UNITS = ("siw-code-location", "siw-daemon", "siw-webserver")  # deploy/systemd/, started in this order


def service_command(unit: str, replacements: dict[str, str]) -> list[str]:
    """The ExecStart of a unit of deploy/systemd/, with the deployment's paths and ports made the test's."""
    text = (PROJECT_ROOT / "deploy" / "systemd" / f"{unit}.service").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    command = line.removeprefix("ExecStart=")
    for old, new in replacements.items():
        command = command.replace(old, new)
    return shlex.split(command)


def test_postgres_deployment_keeps_a_refresh_a_sensor_run_and_the_ui_history(postgres, dirs, sample_tree, tmp_path):
    landing, _data = dirs
    shutil.copytree(sample_tree, landing, dirs_exist_ok=True)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "deploy" / "dagster.postgres.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONPATH": str(PROJECT_ROOT),
           "DAGSTER_PG_HOST": "127.0.0.1", "DAGSTER_PG_PORT": str(postgres), "DAGSTER_PG_DB": "dagster",
           "DAGSTER_PG_USER": "siw", "DAGSTER_PG_PASSWORD": PASSWORD}
    refresh = start_run(env, tmp_path / "make-run.log")
    assert refresh.wait(timeout=900) == 0, (tmp_path / "make-run.log").read_text(errors="replace")[-3000:]
    assert [(s, t) for _, s, t in run_history(postgres)] == [("SUCCESS", "make run")]
    assert not list(home.rglob("*.db"))  # runs and events are in PostgreSQL, not in SQLite files

    # A re-delivered case file, then the three services of the production setup (their units'
    # commands) with the automation on: the landing-zone sensor's first tick sees the change and
    # the daemon launches one run through the code location's gRPC server, kept in PostgreSQL.
    case = next((landing / "cases").glob("*.json"))
    case.write_text(case.read_text(encoding="utf-8").replace('"title": "', '"title": "Igen: ', 1), encoding="utf-8")
    port, code_port = free_port(), free_port()
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text((PROJECT_ROOT / "deploy" / "workspace.yaml").read_text(encoding="utf-8").replace(
        "port: 4266", f"port: {code_port}"), encoding="utf-8")
    replacements = {"/opt/siw/deploy/workspace.yaml": str(workspace), "/opt/siw/.venv": sys.prefix,
                    "/opt/siw": str(PROJECT_ROOT), "-p 4266": f"-p {code_port}", "-p 3000": f"-p {port}"}
    services = []
    try:
        for unit in UNITS:
            services.append(subprocess.Popen(service_command(unit, replacements), cwd=PROJECT_ROOT,
                                             env={**env, "SIW_AUTOMATION": "on"}, start_new_session=True,
                                             preexec_fn=default_signals,
                                             stdout=open(tmp_path / f"{unit}.log", "w"), stderr=subprocess.STDOUT))
        logs = lambda: "".join((tmp_path / f"{u}.log").read_text(errors="replace")[-1500:] for u in UNITS)  # noqa: E731
        deadline = time.monotonic() + 300
        sensed = []
        while time.monotonic() < deadline and not sensed:
            time.sleep(2)
            assert all(s.poll() is None for s in services), logs()
            sensed = [r for r, _, t in run_history(postgres) if t == "landing_zone_sensor"]
        assert sensed, logs()
        assert wait_for_end(port, sensed[0]) == "SUCCESS", logs()
        ticks = graphql(port, """{ sensorOrError(sensorSelector: {repositoryLocationName: "social_innovation_warehouse",
            repositoryName: "__repository__", sensorName: "landing_zone_sensor"}) {
            ... on Sensor { sensorState { ticks(limit: 10) { status runIds } } } } }""")
        ticks = ticks["data"]["sensorOrError"]["sensorState"]["ticks"]
        assert [t["runIds"] for t in ticks if t["status"] == "SUCCESS"] == [sensed]
        history = run_history(postgres)
        assert [(s, t) for _, s, t in history if t] == [("SUCCESS", "make run"), ("SUCCESS", "landing_zone_sensor")]
        runs_page = page_text(port, "runs", tmp_path / "chrome")
        for run_id, _status, trigger in history:
            if trigger:
                assert run_id[:8] in runs_page, run_id
    finally:
        tree = []
        for service in services:
            with contextlib.suppress(psutil.Error):
                tree += [psutil.Process(service.pid), *psutil.Process(service.pid).children(recursive=True)]
        for service in reversed(services):  # what systemd does on stop: SIGTERM to the unit's processes
            with contextlib.suppress(ProcessLookupError):
                os.killpg(service.pid, signal.SIGTERM)
        _gone, left = psutil.wait_procs(tree, timeout=20)
        for process in left:  # and SIGKILL after TimeoutStopSec
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
