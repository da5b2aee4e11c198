"""The layering of the code: each stage imports only the ground beneath it.

The stages hand over through files (the raw layer, the warehouse, the publication), not through
each other's modules: dbt knows only the raw layer, the gate and the publication only the
warehouse, the report only the publication. Shared names and helpers live in the ground modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

from orchestration.config import PROJECT_ROOT

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
