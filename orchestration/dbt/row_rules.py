"""Row rules folded into one test per model (tests/generic/row_rules.sql), unfolded into their own checks.

A model's not_null, accepted_values and within_range tests (the dbt var ``row_rule_tests``) each
cost about 15 ms of dbt's one busy core whatever their query; its ``row_rules`` test checks them all
in one scan. A build runs the ``row_rules`` tests in their place, and each rule still passes or fails
its own check: when ``row_rules`` passes, so does each rule it folds; when it fails (or errs), the
rules it folds run as their own dbt tests once the build's dbt has exited, and their results are
their checks'. A failing ``row_rules`` test stops what is downstream in dbt, as a failing rule would.
A build that selects a rule without its ``row_rules`` test (a check run on its own from the UI)
folds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject

from orchestration.config import dbt_var

ROW_RULES = "row_rules"


def folded_tests(manifest: Mapping[str, Any]) -> tuple[dict[str, list[str]], set[str]]:
    """Each ``row_rules`` test's name with the names of the tests it folds (the row-rule tests on
    the node it is attached to, as macros/row_rules.sql gathers them), and every row-rule test."""
    kinds = set(dbt_var("row_rule_tests"))
    rules_of, row_rules = defaultdict(list), {}
    for node in manifest["nodes"].values():
        kind = (node.get("test_metadata") or {}).get("name") if node["resource_type"] == "test" else None
        if kind == ROW_RULES:
            row_rules[node["attached_node"]] = node["name"]
        elif kind in kinds:
            rules_of[node["attached_node"]].append(node["name"])
    every_rule = {rule for rules in rules_of.values() for rule in rules}
    return {name: sorted(rules_of[attached]) for attached, name in row_rules.items()}, every_rule


def folds_of_selection(manifest: Mapping[str, Any], selected: set[str]) -> dict[str, list[str]]:
    """The ``row_rules`` tests of a build selecting the tests named ``selected``, with the selected
    tests each folds; none when some row-rule test has no ``row_rules`` test (test_dbt_project) or a selected
    one's is not selected: the build leaves the row-rule tests out by their kind, or none of them."""
    folds, every_rule = folded_tests(manifest)
    folded_by = {rule: name for name, rules in folds.items() for rule in rules}
    if set(folded_by) != every_rule or any(folded_by[rule] not in selected for rule in every_rule & selected):
        return {}
    return {name: [rule for rule in rules if rule in selected] for name, rules in folds.items() if name in selected}


class RowRules:
    """The folding of one dbt build: the tests it leaves out, and their checks' results."""

    def __init__(self, context: dg.AssetExecutionContext, manifest: Mapping[str, Any],
                 translator: DagsterDbtTranslator, project: DbtProject):
        self.context, self.manifest, self.translator, self.project = context, manifest, translator, project
        self.check_of = {key.name: key for key in context.assets_def.check_keys}  # dbt test names are unique
        self.folds = folds_of_selection(manifest, {key.name for key in context.selected_asset_check_keys})
        self.failed: list[str] = []

    def exclude_args(self) -> list[str]:
        """dbt's arguments that leave the folded tests out of the build (one selector a kind: a name
        each would cost dbt about a second to select)."""
        kinds = " ".join(f"test_name:{kind}" for kind in dbt_var("row_rule_tests"))
        return ["--exclude", kinds] if self.folds else []

    def unfolded(self, events: Iterable) -> Iterator:
        """The build's events, with each folded rule's passed check after its ``row_rules`` test's."""
        for event in events:
            yield event
            if isinstance(event, dg.AssetCheckResult) and event.check_name in self.folds:
                if event.passed:
                    yield from (self.passed(rule, event.check_name) for rule in self.folds[event.check_name])
                else:
                    self.failed.append(event.check_name)

    def passed(self, rule: str, row_rules: str) -> dg.AssetCheckResult:
        """The passed check of the folded rule ``rule``."""
        key = self.check_of[rule]
        return dg.AssetCheckResult(asset_key=key.asset_key, check_name=key.name, passed=True,
                                   severity=dg.AssetCheckSeverity.ERROR,
                                   metadata={"status": "pass", "dagster_dbt/failed_row_count": 0,
                                             "folded into": row_rules})

    def rerun_failed(self, dbt: DbtCliResource, target: Path) -> Iterator:
        """The checks of the rules of each failed ``row_rules`` test, each from its own dbt test (after
        the build's dbt has exited: DuckDB allows one writer of the warehouse file)."""
        rules = [rule for name in self.failed for rule in self.folds[name]]
        if not rules:
            return
        self.context.log.info(f"{', '.join(self.failed)} failed: running the {len(rules)} rules folded into it as "
                              "tests of their own")
        invocation = dbt.cli(["test", "--select", " ".join(rules)], raise_on_error=False, manifest=self.manifest,
                             dagster_dbt_translator=self.translator, target_path=target)
        for event in invocation.stream_raw_events():
            yield from event.to_default_asset_events(manifest=self.manifest, dagster_dbt_translator=self.translator,
                                                     context=self.context, target_path=target, project=self.project)
