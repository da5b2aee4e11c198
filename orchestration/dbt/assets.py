"""The dbt project as Dagster assets: one asset per model and seed, dbt tests as asset checks.

Assets are keyed and grouped by layer (the model's folder), so lineage runs from the raw
assets through staging, intermediate and marts to the reporting tables.
"""


import contextlib
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.adapters import close_dbt_duckdb_connection
from orchestration.config import DBT_PROJECT_DIR, OWNERS, WAREHOUSE_POOL, Settings, get_settings
from orchestration.warehouse_lock import holding_warehouse_lock

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
LAYERS = ("staging", "intermediate", "marts", "reporting")


def layer_of(props: Mapping[str, Any]) -> str:
    """The layer of a dbt node: its first folder under models/ (seeds are reference data)."""
    if props["resource_type"] == "seed":
        return "reference"
    fqn = props.get("fqn", [])
    return fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else "staging"


# The UI's groups follow the flow raw > staging > marts > reporting > publish: reference seeds feed
# staging, and intermediate models are the marts' building blocks.
GROUP_OF_LAYER = {"reference": "staging", "intermediate": "marts"}


class LayeredTranslator(DagsterDbtTranslator):
    """Asset keys ``[layer, name]`` and groups by layer; sources keep their meta asset key."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":  # raw_<source>.<table> -> raw/<source>/<table>
            source = dbt_resource_props["source_name"].removeprefix("raw_")
            return dg.AssetKey(["raw", source, dbt_resource_props["name"]])
        return dg.AssetKey([layer_of(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        layer = layer_of(dbt_resource_props)
        return GROUP_OF_LAYER.get(layer, layer)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return OWNERS

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        return {"layer": layer_of(dbt_resource_props)}


translator = LayeredTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, pool=WAREHOUSE_POOL)
@holding_warehouse_lock
def siw_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """``dbt build``: seeds, models and their tests; a failing test stops what is downstream."""
    settings = get_settings()
    with run_target(settings, context.run_id) as target:
        invocation = dbt.cli(["build"], context=context, target_path=target)
        if settings.engine != "duckdb":
            # No row counts on Spark: they would start a second Spark session in this process, next
            # to dbt's, on the same single-user (Derby) metastore.
            yield from invocation.stream()
            return
        try:
            # Row counts, not fetch_column_metadata: the column schemas come from the manifest already,
            # and fetching them again cost 17 s a run (a third of the refresh; BENCHMARKS.md).
            yield from invocation.stream().fetch_row_counts()
        finally:
            close_dbt_duckdb_connection()


PARSE_STATE = "partial_parse.msgpack"


@contextlib.contextmanager
def run_target(settings: Settings, run_id: str) -> Iterator[Path]:
    """dbt's target folder for one run, inside the data folder, starting from the folder's parse state.

    dagster-dbt gives each run a fresh target folder and seeds it with the project's parse state,
    which dbt discards whenever the profile differs (another data folder or memory bound): every
    run would parse the whole project. The state of this data folder's last run is kept instead,
    and only the last run's artifacts stay (runs of one folder hold its lock, one at a time).
    """
    root = settings.dbt_target_dir
    target = root / f"run-{run_id}"
    target.mkdir(parents=True, exist_ok=True)
    if (root / PARSE_STATE).exists():
        shutil.copy2(root / PARSE_STATE, target / PARSE_STATE)  # dagster-dbt then keeps it
    try:
        yield target
    finally:
        if (target / PARSE_STATE).exists():
            shutil.copy2(target / PARSE_STATE, root / f"{PARSE_STATE}.tmp")
            (root / f"{PARSE_STATE}.tmp").replace(root / PARSE_STATE)
        for older in root.glob("run-*"):
            if older != target:
                shutil.rmtree(older, ignore_errors=True)


# The dbt of this virtualenv, whatever PATH says (make run does not activate the venv).
dbt_resource = DbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                              dbt_executable=str(Path(sys.executable).parent / "dbt"))
