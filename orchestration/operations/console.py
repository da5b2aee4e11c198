"""The short view of a refresh on the terminal (``make run``) and its full log in a file.

Dagster's console logger writes every event at DEBUG (about 1,500 lines a refresh) and dbt a line
per node; all of it goes to ``$SIW_DATA_DIR/logs/refresh-<time>.log``. The terminal gets one line
per step with its counts and time, a progress line while a long step runs, and what the caller
says (failure reasons, refused files, where the results are). The Dagster UI keeps every event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg

# What each step of refresh_job does, in the operator's words (the step key otherwise).
STEP_LABELS = {"raw_survey": "survey waves", "raw_interviews": "interview log", "raw_cases": "case files",
               "raw_frame": "population frame", "siw_dbt_assets": "dbt models and tests",
               "published_report_database": "publication gate and publication", "report_site": "report site",
               "report_pdf": "printable report", "freshness_check": "freshness checks"}
# Counts of the steps' materialisation metadata that the short view sums (per wave in the survey's).
COUNTED = ("rows_read", "rows_quarantined", "rows_superseded", "without_consent", "cases_accepted",
           "cases_refused", "rows")
# dbt counts its nodes as it goes ("12 of 430 OK created ..."); its events reach Dagster only at the
# end of the step (after the row counts), so the dbt step's progress is read from the log instead.
DBT_STEP = "siw_dbt_assets"
DBT_COUNTER = re.compile(r"^(\d+) of (\d+) (?:OK|PASS|ERROR|FAIL|WARN|SKIP)", re.MULTILINE)
POLL_SECONDS = 0.5
PROGRESS_AFTER = 3.0  # a step that runs longer shows a progress line
PLAIN_PROGRESS_EVERY = 30.0  # without a terminal, a progress line this often (a log stays short)
KEEP_LOGS = 30  # the newest refresh logs kept in the data folder; older ones are removed


def label(step_key: str) -> str:
    """The operator's name of a step."""
    return STEP_LABELS.get(step_key) or STEP_LABELS.get(step_key.rsplit("_", 1)[0], step_key)


@dataclass
class StepView:
    """What the short view knows of one running or finished step."""

    started: float
    assets: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    checks_warned: int = 0  # failed checks of WARN severity: the step goes on
    counts: dict[str, int] = field(default_factory=dict)  # metadata key -> value (repeated on each table)
    last_plain_progress: float = 0.0

    def details(self) -> str:
        parts = [f"{self.assets} asset{'s' * (self.assets != 1)}"] if self.assets else []
        if self.checks_passed or self.checks_failed or self.checks_warned:
            parts.append(f"{self.checks_passed} checks passed"
                         + (f", {self.checks_warned} warned" if self.checks_warned else "")
                         + (f", {self.checks_failed} failed" if self.checks_failed else ""))
        totals: dict[str, int] = {}
        for key, value in self.counts.items():  # per wave in the survey's ("2020-06/rows_read")
            name = key.rsplit("/", 1)[-1]
            totals[name] = totals.get(name, 0) + value
        parts += [f"{value:,} {name.replace('_', ' ')}" for name, value in totals.items()]
        return ", ".join(parts)


class Console:
    """The terminal's streams, kept while the process's own stdout and stderr go to the log."""

    def __init__(self, out: TextIO, err: TextIO, log: TextIO):
        self.out, self.err, self.log = out, err, log
        self.tty = out.isatty()
        self._lock = threading.Lock()
        self._progress = False

    def say(self, line: str = "", error: bool = False) -> None:
        """A line on the terminal (stderr when ``error``) and in the log."""
        with self._lock:
            self._clear_progress()
            print(line, file=self.err if error else self.out, flush=True)
            print(line, file=self.log, flush=True)

    def progress(self, line: str) -> None:
        """A progress line: rewritten in place on a terminal, a plain line elsewhere."""
        with self._lock:
            if self.tty:
                self.out.write("\r" + line[:120].ljust(120))
                self.out.flush()
                self._progress = True
            else:
                print(line, file=self.out, flush=True)

    def _clear_progress(self) -> None:
        if self._progress:
            self.out.write("\r" + " " * 120 + "\r")
            self._progress = False


def _detached(stream: TextIO) -> TextIO:
    """A stream on a copy of ``stream``'s descriptor (which is about to point at the log), or the
    stream itself when it has none (pytest's capture)."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, io.UnsupportedOperation):
        return stream
    stream.flush()
    return os.fdopen(os.dup(descriptor), "w", buffering=1, encoding="utf-8", errors="replace")


@contextlib.contextmanager
def logged_to_file(logs_dir: Path) -> Iterator[tuple[Path, Console]]:
    """Send this process's stdout and stderr (and its subprocesses', such as dbt's) to a new log file
    under ``logs_dir`` (keeping the newest ``KEEP_LOGS``); yield its path and the console for the
    short view."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / f"refresh-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{os.getpid()}.log"
    for old in sorted(logs_dir.glob("refresh-*.log"), key=lambda p: p.stat().st_mtime)[:-(KEEP_LOGS - 1)]:
        old.unlink(missing_ok=True)
    out, err = _detached(sys.stdout), _detached(sys.stderr)
    saved_streams = sys.stdout, sys.stderr
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fds = os.dup(1), os.dup(2)
    with open(path, "a", buffering=1, encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = log
        try:
            yield path, Console(out, err, log)
        finally:
            log.flush()
            sys.stdout, sys.stderr = saved_streams
            for target, saved in zip((1, 2), saved_fds):
                os.dup2(saved, target)
                os.close(saved)
            for stream in (out, err):
                if stream not in saved_streams:
                    stream.close()


class RunWatcher(threading.Thread):
    """Follows a run's events in the instance and prints the short view of its steps."""

    def __init__(self, run_id: str, console: Console, totals: dict[str, int], log_path: Path):
        super().__init__(name="siw-run-watcher", daemon=True)
        self.run_id, self.console, self.totals = run_id, console, totals
        self.log_path, self._log_offset, self.dbt_done = log_path, 0, None
        self.steps: dict[str, StepView] = {}
        self._finished = threading.Event()

    def __enter__(self) -> RunWatcher:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._finished.set()
        self.join(timeout=30)

    def run(self) -> None:
        instance = dg.DagsterInstance.get()  # its own storage connections, apart from the run's
        cursor = None
        while True:
            finished = self._finished.is_set()
            page = instance.get_records_for_run(self.run_id, cursor=cursor, limit=1000)
            for record in page.records:
                self.handle(record.event_log_entry.dagster_event, record.event_log_entry.timestamp)
            cursor = page.cursor or cursor
            if page.has_more:
                continue
            if finished:
                return
            self.show_progress()
            self._finished.wait(POLL_SECONDS)

    def handle(self, event: dg.DagsterEvent | None, timestamp: float) -> None:
        """Update the view of the event's step; print the step's line when it ends."""
        if event is None or event.step_key is None:
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.steps[step] = StepView(started=timestamp)
        if step not in self.steps:  # planned, not started
            return
        view = self.steps[step]
        if kind == "ASSET_MATERIALIZATION":
            view.assets += 1
            for key, value in event.event_specific_data.materialization.metadata.items():
                if key.rsplit("/", 1)[-1] in COUNTED and type(value.value) is int:
                    view.counts[key] = value.value
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.asset_check_evaluation_data
            if evaluation.passed:
                view.checks_passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                view.checks_warned += 1
            else:
                view.checks_failed += 1
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED", "STEP_UP_FOR_RETRY"):
            mark = {"STEP_SUCCESS": "ok", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}.get(kind, "retry")
            self.console.say(f"  {mark:<7} {label(step):<34} {timestamp - view.started:6.1f} s   {view.details()}")
            self.steps.pop(step)

    def show_progress(self) -> None:
        """A progress line for the steps running longer than a few seconds."""
        now = time.time()
        running = [(step, view) for step, view in self.steps.items() if now - view.started >= PROGRESS_AFTER]
        if not running:
            return
        if not self.console.tty:
            if any(now - max(v.last_plain_progress, v.started) < PLAIN_PROGRESS_EVERY for _, v in running):
                return
            for _, view in running:
                view.last_plain_progress = now
        self.read_dbt_counter()
        parts = []
        for step, view in running:
            done = view.assets + view.checks_passed + view.checks_warned + view.checks_failed
            total = self.totals.get(step)
            if step == DBT_STEP:
                done, total = self.dbt_done or (0, None)
            share = f" {done} of {total}" if total else ""
            parts.append(f"{label(step)}{share} ({now - view.started:.0f} s)")
        self.console.progress("  ...     " + "; ".join(parts))

    def read_dbt_counter(self) -> None:
        """The last node count dbt wrote to the log."""
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset)
            chunk = log.read()
        self._log_offset += len(chunk)
        counts = DBT_COUNTER.findall(chunk.decode("utf-8", errors="replace"))
        if counts:
            self.dbt_done = (int(counts[-1][0]), int(counts[-1][1]))


def step_totals(asset_graph, selection: set[dg.AssetKey] | None) -> dict[str, int]:
    """Per step (op) of the job, how many assets and checks it materialises and evaluates."""
    totals: dict[str, int] = {}
    for assets_def in asset_graph.assets_defs:
        keys = [k for k in assets_def.keys if selection is None or k in selection]
        checks = [c for c in assets_def.check_keys if selection is None or c.asset_key in selection]
        if keys or checks:
            totals[assets_def.node_def.name] = totals.get(assets_def.node_def.name, 0) + len(keys) + len(checks)
    return totals
