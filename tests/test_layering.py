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
GROUND = {"adapters", "config", "errors", "folders", "duck", "reference", "study", "warehouse_lock"}
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
    assert "'n_base < 5'" in loaded and "'n_base >= 5'" in loaded and "{suppression_limit}" not in loaded
