"""The layering of the code: each stage imports only the ground beneath it; settings are read in one place.

The stages hand over through files (the raw layer, the warehouse, the publication), not through
each other's modules: dbt knows only the raw layer, the gate and the publication only the
warehouse, the report only the publication. Shared names and helpers live in the ground modules.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from orchestration.config import (DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT, dbt_environment, get_settings,
                                  suppression_limit)
from orchestration.quality.publication_gate import load_suite, suite_tables

PACKAGE = PROJECT_ROOT / "orchestration"
# Modules every stage may import (they import only each other).
GROUND = {"adapters", "config", "errors", "folders", "duck", "reference", "refusals", "study", "warehouse_lock"}
# The stages and which other stages each may import. Everything else (definitions, pipeline,
# operations, the dev server, the sample generator) wires the stages together and may import any.
STAGES = {"ingest": set(), "dbt": set(), "quality": set(), "publish": {"quality"}, "report": set()}


def imported_modules(path: Path) -> set[str]:
    """The first name under ``orchestration.`` of every module ``path`` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("orchestration."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "orchestration":
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("orchestration.")}
    return names


def test_each_stage_imports_only_the_ground_beneath_it():
    wrong = []
    for stage, allowed in STAGES.items():
        for path in (PACKAGE / stage).glob("*.py"):
            extra = imported_modules(path) - GROUND - allowed - {stage}
            if extra:
                wrong.append(f"{path.relative_to(PROJECT_ROOT)} imports {sorted(extra)}")
    for name in GROUND:
        extra = imported_modules(PACKAGE / f"{name}.py") - GROUND
        if extra:
            wrong.append(f"orchestration/{name}.py (ground) imports {sorted(extra)}")
    assert wrong == []


def test_the_rule_sees_an_import_across_stages(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from orchestration.ingest.assets import OWNERS\nimport orchestration.publish.assets\n"
                      "from orchestration import config\n")
    assert imported_modules(module) == {"ingest", "publish", "config"}


ENVIRONMENT_READ = re.compile(r"os\.environ\.get|os\.environ\[|os\.getenv|[\"']SIW_")
ENV_VAR = re.compile(r"env_var\(\s*'([A-Z_]+)'\s*(,)?")


def test_settings_are_read_in_config_only():
    """No module but config.py reads a setting from the environment (a child process's copy of the
    environment is not a read), and dbt's yml files read only what config exports, without defaults."""
    readers = [f"{p.relative_to(PROJECT_ROOT)}:{n}" for p in PACKAGE.rglob("*.py") if p.name != "config.py"
               for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ENVIRONMENT_READ.search(line)]
    assert readers == []
    exported = set(dbt_environment(get_settings()))
    used = {}
    for path in DBT_PROJECT_DIR.rglob("*"):
        if path.suffix in (".yml", ".sql") and not {"target", "logs"} & set(path.relative_to(DBT_PROJECT_DIR).parts):
            for name, default in ENV_VAR.findall(path.read_text(encoding="utf-8")):
                used.setdefault(name, set()).add((path.name, bool(default)))
    assert used and set(used) <= exported, set(used) - exported
    assert [(n, f) for n, places in used.items() for f, default in places if default] == []


def test_the_suppression_limit_is_the_declared_dbt_var_everywhere():
    """dbt_project.yml declares it; models read the var without a default; suites name it."""
    assert suppression_limit() == 5
    sql = "\n".join(p.read_text(encoding="utf-8") for folder in ("models", "macros")
                    for p in (DBT_PROJECT_DIR / folder).rglob("*.sql"))
    assert "var('suppression_limit')" in sql and "var('suppression_limit'," not in sql
    conditions = [e["kwargs"]["row_condition"] for table in suite_tables()
                  for e in json.loads((EXPECTATIONS_DIR / f"{table}.json").read_text(encoding="utf-8"))["expectations"]
                  if "row_condition" in e["kwargs"]]
    assert not [c for c in conditions if re.search(r"n_base\w* *[<>]=? *\d", c)]
    loaded = str([e.configuration.kwargs.get("row_condition") for e in load_suite("headline_metrics").expectations])
    assert "'n_base < 5'" in loaded and "'n_base >= 5 and secondary_suppressed == False'" in loaded and "{suppression_limit}" not in loaded


# dbt's layers (dbt-labs' conventions, design.md) and what each may read. Seeds are the reference
# lists: read where a list is turned into a dimension or a rule, never by reporting.
READS = {"staging": {"source"}, "intermediate": {"staging", "intermediate", "seed"},
         "marts": {"staging", "intermediate", "marts", "seed"}, "reporting": {"marts"}}
# Published tables that are reference lists, not survey numbers: the only ones that read no fact.
REFERENCE_TABLES = {"codebook", "disclosure_control", "labels", "metric_definitions"}


def layer(node: dict) -> str:
    """A manifest node's layer: its model folder, or 'source' / 'seed'."""
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    return Path(node["original_file_path"]).parts[1]


def layering_faults(manifest: dict) -> list[str]:
    """Every model that reads a layer it may not, and every published table that reads no fact."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    faults = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        parents = [nodes[p] for p in node["depends_on"]["nodes"]]
        wrong = sorted(p["name"] for p in parents if layer(p) not in READS[layer(node)])
        if wrong:
            faults.append(f"{layer(node)} model {node['name']} reads {wrong}")
        reads_fact = any(p["name"].startswith("fct_") for p in parents)
        if layer(node) == "reporting" and reads_fact == (node["name"] in REFERENCE_TABLES):
            faults.append(f"published table {node['name']} " + ("reads a fact" if reads_fact else "reads no fact"))
    return faults


def test_each_dbt_layer_reads_only_the_layers_beneath_it():
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    assert {layer(n) for n in manifest["nodes"].values() if n["resource_type"] == "model"} == set(READS)
    assert layering_faults(manifest) == []


def test_the_layering_rule_sees_a_shortcut():
    def model(name, folder, *parents):
        return {"resource_type": "model", "name": name, "original_file_path": f"models/{folder}/{name}.sql",
                "depends_on": {"nodes": list(parents)}}
    manifest = {"sources": {"source.raw": {"resource_type": "source", "name": "raw"}}, "nodes": {
        "seed.ref": {"resource_type": "seed", "name": "ref", "original_file_path": "seeds/ref.csv"},
        "m.stg": model("stg_x", "staging", "source.raw"),
        "m.int": model("int_x", "intermediate", "m.stg", "m.dim"),
        "m.dim": model("dim_x", "marts", "seed.ref"),
        "m.fct": model("fct_x", "marts", "m.int"),
        "m.ok": model("ok", "reporting", "m.fct", "m.dim"),
        "m.short": model("short", "reporting", "m.int", "seed.ref"),
        "m.labels": model("labels", "reporting", "m.dim"),
    }}
    assert layering_faults(manifest) == ["intermediate model int_x reads ['dim_x']",
                                         "reporting model short reads ['int_x', 'ref']",
                                         "published table short reads no fact"]


def test_the_suppression_rule_is_written_once():
    """One macro compares a base with the limit; every model and macro asks it; the report states the
    limit from the publication (reporting.disclosure_control), never as a number of its own."""
    sources = {p: p.read_text(encoding="utf-8") for folder in ("models", "macros")
               for p in (DBT_PROJECT_DIR / folder).rglob("*.sql")}
    assert [p.name for p, sql in sources.items() if "var('suppression_limit')" in sql] == ["metrics.sql"]
    metrics = sources[DBT_PROJECT_DIR / "macros" / "metrics.sql"]
    assert len(re.findall(r"var\('suppression_limit'\)", metrics)) == 1
    assert len(re.findall(r"<\s*\{\{ suppression_limit\(\) \}\}", metrics)) == 1  # is_suppressed, the one comparison
    assert not [p.name for p, sql in sources.items() if re.search(r"n_base\w* *[<>]=? *\d", sql)]
    pages = {p.name: p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "reports" / "pages").rglob("*.md")}
    assert not [n for n, text in pages.items() if re.search(r"(under|færre end|mindst) \d+ svar|'under \d", text)]
    assert sum("siw.disclosure_control" in text for text in pages.values()) >= 5
