"""Two checkouts of the project side by side on one landing tree: what a change bought, measured.

    python -m benchmarks.side_by_side BEFORE_CHECKOUT AFTER_CHECKOUT [--invited N] [--rounds R]

Each checkout needs its own installed project (`make install manifest`, or links to one). In each
round, for each checkout in turn (so that the shared machine's drift hits both alike): the code
location's load, a cold refresh without the report (with its Dagster steps) and a one-wave change
(wave 2021-03 re-delivered with other answers), each a process of its own measured from outside
as in `make bench`. Results go to benchmarks/results/side-by-side.json; BENCHMARKS.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from benchmarks.run import (RESULTS, code_location_load, dagster_home, machine, measure, redeliver_wave,
                            refresh_environment, stage_times)
from orchestration.sample_exports import write_landing_tree


def measure_checkout(tree: Path, landing: Path, other: Path, root: Path) -> dict:
    """Code location load, cold refresh and one-wave change of one checkout on a copy of ``landing``."""
    land, home = root / "landing", dagster_home(root / "home")
    shutil.copytree(landing, land)
    python = str(tree / ".venv" / "bin" / "python")
    env = refresh_environment(land, root / "data", home, project=tree)
    location = code_location_load(root, project=tree, python=python)
    refresh = [python, "-m", "orchestration.pipeline", "--no-sample"]
    cold = measure(refresh, env, cwd=tree)
    if cold["exit_code"] != 0:
        raise SystemExit(f"side by side: the cold refresh of {tree} failed:\n{cold['tail']}")
    stages = stage_times(home)
    redeliver_wave(other, land)
    one_wave = measure(refresh, env, cwd=tree)
    return {"code_location_s": location["seconds"], "cold_s": cold["seconds"], "cold_peak_mib": cold["peak_rss_mib"],
            "stages": stages, "one_wave_s": one_wave["seconds"]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--invited", type=int, default=2_300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("data") / "bench-side-by-side")
    args = parser.parse_args(argv)
    work = args.work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    landing, other = work / "landing", work / "other"
    write_landing_tree(landing, args.invited, seed=2020, csv_only=True)
    write_landing_tree(other, args.invited, seed=2021, csv_only=True)
    results = {"machine": machine(), "invited": args.invited, "rounds": []}
    for number in range(1, args.rounds + 1):
        measured = {name: measure_checkout(tree.resolve(), landing, other, work / f"{name}-{number}")
                    for name, tree in (("before", args.before), ("after", args.after))}
        results["rounds"].append(measured)
        print(json.dumps(measured), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "side-by-side.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
