"""``make dev``: the Dagster webserver and daemon on 127.0.0.1, stopped cleanly on Ctrl-C.

``dagster dev`` shuts down cleanly when only its own process gets SIGINT, but hangs when the
terminal's Ctrl-C reaches every process of the group at once. So it runs in a session of its
own, this wrapper forwards the signal to it alone, and whatever is left of its process group
after a grace period is terminated: no orphan processes.

    python -m orchestration.dev_server [--port 3000] [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orchestration.config import PROJECT_ROOT

GRACE_SECONDS = 30


def group_alive(pgid: int) -> bool:
    """True while any process of the group is left."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """SIGINT to dagster dev alone; then the whole group, TERM and KILL, until none is left."""
    pgid = process.pid  # start_new_session: the group id is the leader's pid
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    for sig, wait in ((None, grace), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        if sig is not None and group_alive(pgid):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and group_alive(pgid):
            process.poll()  # reap the leader so it does not linger as a zombie
            time.sleep(0.2)
        if not group_alive(pgid):
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="bind address (loopback unless told otherwise)")
    parser.add_argument("--port", default="3000")
    args = parser.parse_args(argv)
    dagster = Path(sys.executable).parent / "dagster"
    process = subprocess.Popen([str(dagster), "dev", "-h", args.host, "-p", str(args.port), "-w", "workspace.yaml"],
                               cwd=PROJECT_ROOT, start_new_session=True)
    stopping = False

    def forward(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    while process.poll() is None and not stopping:
        time.sleep(0.5)
    stop(process)
    return 0 if stopping else (process.returncode or 0)


if __name__ == "__main__":
    sys.exit(main())
