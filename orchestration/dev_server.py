"""``make dev``: the Dagster webserver and daemon on 127.0.0.1, stopped cleanly on SIGINT, SIGTERM
and SIGHUP (Ctrl-C, a service manager, a closed terminal), runs in flight included.

``dagster dev`` runs in a session of its own (it hangs when a terminal's Ctrl-C reaches all of its
processes at once) and its services and run workers start process groups of their own, so neither
the terminal nor a signal to a group reaches them all. This wrapper is therefore a child
subreaper (Linux): every process started under it stays its descendant, even once its parent
died. On a signal it asks ``dagster dev`` to stop, then terminates and kills whatever is left under
it, and marks the runs that were in flight failed, with their `warehouse` pool slots freed.

    python -m orchestration.dev_server [--port 3000] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil

from orchestration.adapters import fail_dead_run
from orchestration.config import PROJECT_ROOT

GRACE_SECONDS = 5  # for dagster dev's own shutdown; then TERM and KILL: all well within 20 s
TERM_SECONDS = 3
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h; Python's standard library has no prctl
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
IN_FLIGHT = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def become_subreaper() -> None:
    """Adopt the orphaned descendants (a run worker whose code server is gone) instead of init."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def descendants() -> list[psutil.Process]:
    """Every live process under this one."""
    return [p for p in psutil.Process().children(recursive=True)
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def reap() -> None:
    """Collect the exit status of finished children (adopted ones included), so none lingers as a zombie."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def wait_until_gone(seconds: float) -> bool:
    """Wait up to ``seconds`` for every descendant to end; True when none is left."""
    deadline = time.monotonic() + seconds
    while True:
        reap()
        if not descendants():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """SIGINT to dagster dev alone; then TERM and KILL to everything under this process, until none is left."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    if wait_until_gone(GRACE_SECONDS):
        return
    for sig, seconds in ((signal.SIGTERM, TERM_SECONDS), (signal.SIGKILL, 5)):
        for child in descendants():
            try:
                child.send_signal(sig)
            except psutil.NoSuchProcess:
                pass
        if wait_until_gone(seconds):
            return


def fail_runs_in_flight(instance: dg.DagsterInstance) -> list[str]:
    """Mark the runs this server was executing failed and free their pool slots (their workers are gone).

    `make run` executes in its own process and is not this server's: its runs are left alone."""
    failed = []
    for run in instance.get_runs(dg.RunsFilter(statuses=IN_FLIGHT)):
        if run.tags.get("siw/trigger") == "make run":
            continue
        fail_dead_run(instance, run, "make dev was stopped while this run was in flight")
        failed.append(run.run_id)
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback unless told otherwise)")
    parser.add_argument("--port", default="3000")
    args = parser.parse_args(argv)
    stopping: list[int] = []
    for sig in STOP_SIGNALS:  # before the server starts: a signal from then on stops it cleanly
        signal.signal(sig, lambda signum, _frame: stopping.append(signum))
    become_subreaper()
    dagster = Path(sys.executable).parent / "dagster"
    process = subprocess.Popen([str(dagster), "dev", "-h", args.host, "-p", str(args.port), "-w", "workspace.yaml"],
                               cwd=PROJECT_ROOT, start_new_session=True)
    while process.poll() is None and not stopping:
        time.sleep(0.2)
    for sig in STOP_SIGNALS:  # a second Ctrl-C must not cut the stop short
        signal.signal(sig, signal.SIG_IGN)
    stop(process)
    with dg.DagsterInstance.get() as instance:
        for run_id in fail_runs_in_flight(instance):
            print(f"run {run_id} was in flight: marked failed, its warehouse slots freed", file=sys.stderr)
    return 0 if stopping else (process.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
