"""`make bench`: the cost of a refresh as the study grows, against the plain-DuckDB floor.

For each size of the ladder a landing tree is generated (not timed, UTF-8 CSV so that the floor
can read it), then, each in its own process and measured from outside (wall time, peak RSS of the
whole process tree sampled every 50 ms): a cold full refresh (`python -m orchestration.pipeline`
with the report off; it runs dbt's unit tests only when no build of the code in this checkout has
passed them, and BENCHMARKS.md marks it then), the floor (`benchmarks/floor.sql`, checked equal to
the publication), a no-change refresh, a one-wave change (wave 2021-03 re-delivered with other
answers) and the report build; once per run the load of the Dagster code location; with --full
(or --spark) also a cold refresh with dbt on Spark (SIW_ENGINE=spark) at the first size. Stage
times come from the Dagster event log. Results go to benchmarks/results/ and BENCHMARKS.md (table
and plot). A benchmark reports; it never fails on a figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path

import psutil

from orchestration.config import PROJECT_ROOT
from orchestration.dbt.waves import project_digest, unit_tests_mark
from orchestration.sample_exports import write_landing_tree

QUICK = (2_300, 23_000)
FULL = (2_300, 23_000, 230_000, 2_300_000)
RESULTS = PROJECT_ROOT / "benchmarks" / "results"
SAMPLE_EVERY_S = 0.05


def measure(command: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> dict:
    """Run a command; return its wall time, peak RSS of its process tree, exit code and output tail."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    root = psutil.Process(process.pid)
    peak = 0
    output: list[bytes] = []
    reader = _drain(process, output)
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(_rss(p) for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(SAMPLE_EVERY_S)
    reader.join()
    return {"seconds": round(time.perf_counter() - started, 2), "peak_rss_mib": round(peak / 2**20, 1),
            "exit_code": process.returncode, "tail": b"".join(output)[-2000:].decode(errors="replace")}


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0


def _drain(process: subprocess.Popen, sink: list[bytes]) -> threading.Thread:
    """Keep the last lines of a process's output (so a full pipe never blocks it)."""

    def read() -> None:
        for line in process.stdout:
            sink.append(line)
            del sink[:-200]

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def stage_times(dagster_home: Path) -> dict[str, float]:
    """Seconds per step of the latest run in a Dagster home (from the event log)."""
    import dagster as dg

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        starts, times = {}, {}
        records = instance.get_records_for_run(
            run.run_id, of_type={dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS,
                                 dg.DagsterEventType.STEP_FAILURE}, limit=10_000).records
        for record in records:
            entry = record.event_log_entry
            if entry.dagster_event.event_type == dg.DagsterEventType.STEP_START:
                starts[entry.step_key] = entry.timestamp
            elif entry.step_key in starts:
                times[entry.step_key] = round(entry.timestamp - starts[entry.step_key], 2)
    return times


def dagster_home(folder: Path) -> Path:
    """A fresh Dagster home with the project's instance settings."""
    folder.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "dagster.yaml", folder / "dagster.yaml")
    return folder


def report_build(published: Path, data: Path, full: bool) -> list[str]:
    """The command of a measured report build (it prints the build's mode last: full or data)."""
    return [sys.executable, "-c", (
        "import sys; from pathlib import Path; from orchestration.report.build import build_site; "
        "print(build_site(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), full=sys.argv[4] == 'full').mode)"),
        str(published), str(data / "report" / "site"), str(data / "work" / "evidence-build.log"),
        "full" if full else "data"]


def bench_size(invited: int, work: Path, report: bool, spark: bool = False) -> dict:
    """Every measurement of one size (``spark``: also a cold refresh with dbt on Spark)."""
    root = work / f"invited-{invited}"
    shutil.rmtree(root, ignore_errors=True)
    landing, data, home = root / "landing", root / "data", dagster_home(root / "dagster_home")
    generated = time.perf_counter()
    write_landing_tree(landing, invited, seed=2020, csv_only=True)
    result: dict = {"invited": invited, "generate_seconds": round(time.perf_counter() - generated, 1),
                    "landing_mib": round(sum(f.stat().st_size for f in landing.rglob("*") if f.is_file()) / 2**20, 1)}
    env = refresh_environment(landing, data, home)
    refresh = [sys.executable, "-m", "orchestration.pipeline", "--no-sample"]
    published = data / "published" / "report.duckdb"

    unit_tests = not unit_tests_mark(project_digest(), "duckdb").exists()  # the code's first build runs them
    result["cold"] = measure(refresh, env)
    result["cold"]["unit_tests"] = unit_tests
    if result["cold"]["exit_code"] != 0:
        raise SystemExit(f"benchmark: the cold refresh at {invited:,} invited failed:\n{result['cold']['tail']}")
    cold_publication = root / "cold-publication.duckdb"  # other data than after the one-wave change
    shutil.copy(published, cold_publication)
    result["stages"] = stage_times(home)
    result["floor"] = measure([sys.executable, "-m", "benchmarks.floor_main", str(landing), str(published)], env)
    result["floor_equal"] = result["floor"]["exit_code"] == 0
    result["no_change"] = measure(refresh, env)
    if spark:  # the same models on Spark (docs/scale-out.md), from the same landing tree
        spark_home = dagster_home(root / "dagster_home_spark")
        result["cold_spark"] = measure(refresh, {**env, "SIW_ENGINE": "spark", "SIW_DATA_DIR": str(root / "data_spark"),
                                                 "DAGSTER_HOME": str(spark_home)})
        result["stages_spark"] = stage_times(spark_home)
    other = root / "redelivery"
    write_landing_tree(other, invited, seed=2021, csv_only=True)
    redeliver_wave(other, landing)
    shutil.rmtree(other)
    result["one_wave"] = measure(refresh, env)
    result["stages_one_wave"] = stage_times(home)  # dbt rebuilds the re-delivered wave alone (by_wave.sql)
    if report:  # the full build, then a data-only one (the pages unchanged, the data the cold refresh's)
        result["report"] = measure(report_build(published, data, full=True), env)
        result["report_data"] = measure(report_build(cold_publication, data, full=False), env)
        result["report_data"]["mode"] = result["report_data"]["tail"].strip().splitlines()[-1]
    for run in ("cold", "no_change", "one_wave", "report", "report_data", "floor", "cold_spark"):
        if run in result and result[run]["exit_code"] == 0:
            result[run].pop("tail")
    result["ratio_cold_to_floor"] = round(result["cold"]["seconds"] / max(result["floor"]["seconds"], 0.01), 1)
    shutil.rmtree(landing)  # the generated tree is large at the top sizes; the figures are kept
    return result


def refresh_environment(landing: Path, data: Path, home: Path, project: Path = PROJECT_ROOT) -> dict[str, str]:
    """The environment of a measured refresh of ``project``'s code: its folders, no report, no schedules."""
    return {**os.environ, "SIW_LANDING_DIR": str(landing), "SIW_DATA_DIR": str(data), "DAGSTER_HOME": str(home),
            "SIW_REPORT": "off", "SIW_AUTOMATION": "off", "PYTHONPATH": str(project)}


def redeliver_wave(source: Path, landing: Path, wave: str = "wave=2021-03") -> None:
    """Replace one survey wave of ``landing`` with the same wave of another tree (a re-delivery)."""
    shutil.rmtree(landing / "survey" / wave)
    shutil.copytree(source / "survey" / wave, landing / "survey" / wave)


def code_location_load(work: Path, project: Path = PROJECT_ROOT, python: str = sys.executable) -> dict:
    """Loading ``project``'s Dagster code location (importing the definitions) in a process of its own."""
    data = work / "code-location"
    shutil.rmtree(data, ignore_errors=True)
    env = {**os.environ, "SIW_DATA_DIR": str(data), "PYTHONPATH": str(project)}
    result = measure([python, "-c", "import orchestration.definitions"], env, cwd=project)
    if result["exit_code"] != 0:
        raise SystemExit(f"benchmark: the code location did not load:\n{result['tail']}")
    result.pop("tail")
    return result


def machine() -> dict:
    """What the figures were measured on."""
    return {
        "cores": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(), "python": platform.python_version(),
        "versions": {name: version(name) for name in ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb",
                                                      "great-expectations", "pandera", "polars", "dbt-spark",
                                                      "pyspark")},
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the whole ladder up to 2.3 million invited")
    parser.add_argument("--sizes", type=int, nargs="*", help="invited respondents per size (overrides the ladder)")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "data" / "bench")
    parser.add_argument("--spark", action=argparse.BooleanOptionalAction, default=None,
                        help="a Spark refresh at the first size (default: only with --full, to keep the quick subset quick)")
    args = parser.parse_args(argv)
    sizes = args.sizes or (FULL if args.full else QUICK)
    command = ("python -m benchmarks.run --sizes " + " ".join(map(str, args.sizes)) if args.sizes
               else "make bench" + (" FULL=1" if args.full else ""))
    results = {"machine": machine(), "command": command, "sizes": [],
               "code_location": code_location_load(args.work)}
    for number, invited in enumerate(sizes):
        print(f"benchmark: {invited:,} invited ...", flush=True)
        first = number == 0 and (args.full if args.spark is None else args.spark)
        results["sizes"].append(bench_size(invited, args.work, report=args.full or number == 0, spark=first))
        print(json.dumps({k: v for k, v in results["sizes"][-1].items() if not k.startswith("stages")}, indent=1),
              flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "full" if args.full else "quick"
    target = RESULTS / f"{name}.json"
    if args.sizes and target.exists():  # chosen sizes join (or replace) the sizes measured before
        earlier = json.loads(target.read_text(encoding="utf-8"))
        kept = [s for s in earlier["sizes"] if s["invited"] not in set(args.sizes)]
        results["sizes"] = sorted(kept + results["sizes"], key=lambda s: s["invited"])
        results["command"] = f"{earlier['command']}; {command}"
    target.write_text(json.dumps(results, indent=1), encoding="utf-8")
    from benchmarks.report import write_report

    write_report(RESULTS)
    print(f"results: {RESULTS / f'{name}.json'}; BENCHMARKS.md rewritten")


if __name__ == "__main__":
    main()
