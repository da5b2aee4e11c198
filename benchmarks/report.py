"""Write BENCHMARKS.md and its plot from benchmarks/results/*.json."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.config import PROJECT_ROOT

PLOT = PROJECT_ROOT / "docs" / "benchmarks.png"


def _row(size: dict) -> str:
    report, data_only = size.get("report", {}), size.get("report_data", {})
    data_only_mode = "" if data_only.get("mode", "data") == "data" else f" ({data_only['mode']} build)"
    unit_tests = " (u)" if size["cold"].get("unit_tests") else ""
    return (f"| {size['invited']:,} | {size['landing_mib']} | {size['cold']['seconds']}{unit_tests} | "
            f"{size['cold']['peak_rss_mib']:,} | {size['floor']['seconds']} | {size['floor']['peak_rss_mib']:,} | "
            f"{size['ratio_cold_to_floor']} | {'yes' if size['floor_equal'] else '**no**'} | "
            f"{size['no_change']['seconds']} | {size['one_wave']['seconds']} | "
            f"{report.get('seconds', '–')} | {report.get('peak_rss_mib', '–')} | "
            f"{data_only.get('seconds', '–')}{data_only_mode} | {data_only.get('peak_rss_mib', '–')} |")


def _stages(size: dict) -> str:
    """The cold refresh's steps, longest first, and the one-wave change's (where measured)."""
    def listed(stages: dict) -> str:
        return ", ".join(f"{step} {seconds} s" for step, seconds in sorted(stages.items(), key=lambda item: -item[1]))

    one_wave = size.get("stages_one_wave")
    return (f"| {size['invited']:,} | {listed(size['stages'])} | "
            f"{listed({k: v for k, v in one_wave.items() if v >= 0.5}) if one_wave else '–'} |")


def _engines(size: dict) -> list[str]:
    """DuckDB and Spark side by side: the cold refresh and its dbt step."""
    rows = []
    for engine, cold, stages in (("DuckDB", "cold", "stages"), ("Spark (local[2])", "cold_spark", "stages_spark")):
        rows.append(f"| {size['invited']:,} | {engine} | {size[cold]['seconds']} | "
                    f"{size[stages].get('siw_dbt_assets', '–')} | {size[cold]['peak_rss_mib']:,} |")
    return rows


def plot(runs: list[dict]) -> None:
    """Time and peak memory against size (log-log), pipeline and floor."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [s["invited"] for s in runs]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (("cold", "cold full refresh"), ("floor", "plain DuckDB floor"),
                       ("no_change", "no-change refresh"), ("one_wave", "one-wave change")):
        left.plot(sizes, [s[key]["seconds"] for s in runs], marker="o", label=label)
    for key, label in (("cold", "cold full refresh"), ("floor", "plain DuckDB floor")):
        right.plot(sizes, [s[key]["peak_rss_mib"] for s in runs], marker="o", label=label)
    right.axhline(4096, color="grey", linestyle="--", label="4 GiB aim")
    for axis, title, unit in ((left, "Wall time", "seconds"), (right, "Peak memory (process tree)", "MiB")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("invited respondents (first wave)")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)


TABLE_HEAD = [
    "| invited | landing MiB | cold refresh s | cold peak MiB | floor s | floor peak MiB | cold / floor | "
    "floor = pipeline | no-change s | one-wave change s | report build s | report peak MiB | "
    "data-only report s | data-only peak MiB |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
]


def _measured(data: dict, source: Path) -> list[str]:
    """Where, when and with what a results file was measured, and its main table."""
    m = data["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    location = data.get("code_location")
    return [
        f"Measured {m['date']} on {m['cores']} cores, {m['memory_gib']} GiB ({m['platform']}, Python {m['python']});",
        f"{versions}. Command: `{data['command']}`. Raw figures: `{source.relative_to(PROJECT_ROOT)}`.",
        *([f"The Dagster code location loaded (definitions imported, a process of its own) in "
           f"{location['seconds']} s."] if location else []),
        "",
        *TABLE_HEAD,
        *[_row(s) for s in data["sizes"]],
        "",
        *(["(u): the cold refresh ran dbt's unit tests: no build of this code had passed them in the checkout.", ""]
          if any(s["cold"].get("unit_tests") for s in data["sizes"]) else []),
        "Time per stage of the cold refresh and of the one-wave change (Dagster steps, longest first;",
        "the one-wave change's steps under 0.5 s left out):",
        "",
        "| invited | cold refresh | one-wave change |",
        "| ---: | --- | --- |",
        *[_stages(s) for s in data["sizes"]],
        "",
    ]


def write_report(results_dir: Path) -> None:
    """Rewrite BENCHMARKS.md from the full ladder when there is one, else the quick subset; a quick
    run newer than the full ladder is shown first, beside it."""
    full, quick = results_dir / "full.json", results_dir / "quick.json"
    source = full if full.exists() else quick
    data = json.loads(source.read_text(encoding="utf-8"))
    runs = data["sizes"]
    plot(runs)
    lines = [
        "# Benchmarks",
        "",
        "The cost of a refresh as the study grows, against the floor: one plain DuckDB SQL script",
        "(`benchmarks/floor.sql`) that computes `headline_metrics`, `innovation_types`, `partner_types` and",
        "`barriers` straight from the export files with the same contract rules, and whose results the",
        "benchmark checks equal to the pipeline's (column *floor = pipeline*). Each measurement is a process",
        "of its own, measured from outside: wall time and the peak RSS of the whole process tree (Dagster,",
        "dbt, DuckDB, Node), sampled every 50 ms. Landing trees come from the sample generator (UTF-8 CSV,",
        "both waves; the second wave has 80 % of the first one's invited); generating them is not counted.",
        "`make bench` runs the quick subset, `make bench FULL=1` the whole ladder to 2.3 million invited.",
        "",
    ]
    latest = json.loads(quick.read_text(encoding="utf-8")) if source == full and quick.exists() else None
    if latest and latest["machine"]["date"] > data["machine"]["date"]:  # "YYYY-MM-DD HH:MM UTC" sorts
        lines += ["## Latest quick run", "", *_measured(latest, quick), "## The whole ladder", ""]
    lines += [*_measured(data, source), "![Time and memory against size](docs/benchmarks.png)", ""]
    with_spark = [s for s in runs if "cold_spark" in s]
    if with_spark:
        lines += [
            "The same dbt models on Spark (`SIW_ENGINE=spark`, dbt-spark's session method, pyspark local mode",
            "on the same 2 cores; [docs/scale-out.md](docs/scale-out.md)), cold refresh of the same tree:",
            "",
            "| invited | engine | cold refresh s | dbt step s | peak MiB |",
            "| ---: | --- | ---: | ---: | ---: |",
            *[row for s in with_spark for row in _engines(s)],
            "",
        ]
    notes = PROJECT_ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8")]
    (PROJECT_ROOT / "BENCHMARKS.md").write_text("\n".join(lines), encoding="utf-8")
