"""The dbt project as Dagster assets: one asset per model and seed, dbt tests as asset checks.

Assets are keyed and grouped by layer (the model's folder), so lineage runs from the raw
assets through staging, intermediate and marts to the reporting tables.
"""


import contextlib
import importlib
import shutil
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from orchestration.adapters import DbtCli, dbt_manifest, executes_in_this_process
from orchestration.config import DBT_PROJECT_DIR, OWNERS, PUBLISHED_ASSET, WAREHOUSE_POOL, Settings, byte_size, environment, get_settings
from orchestration.dbt.row_rules import RowRules
from orchestration.dbt.waves import WavePlan, mark_pending, plan_build, record_good_build
from orchestration.duck import read_only
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


class DbtBuildConfig(dg.Config):
    """Options of a dbt build started from the UI's launchpad."""

    full_refresh: bool = Field(False, description="Rebuild every wave of the wave-keyed incremental models "
                                                  "(dbt --full-refresh); otherwise only the waves whose raw "
                                                  "data changed since the last good build are rebuilt.")


@dbt_assets(manifest=dbt_project.manifest_path, dagster_dbt_translator=translator, pool=WAREHOUSE_POOL)
@holding_warehouse_lock
def siw_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
    """``dbt build``: seeds, models and their tests; a failing test stops what is downstream.

    The wave-keyed models rebuild the waves that changed since the last good build (waves.py); a
    build of the whole project that passes becomes the next one's starting point.
    """
    settings = get_settings()
    plan = plan_build(settings, config.full_refresh)
    serial = one_node_at_a_time(settings, plan)
    context.log.info(f"dbt build: {plan.describe()}"
                     + ("; one node at a time (the raw survey set is large for SIW_DUCKDB_MEMORY)" if serial else ""))
    mark_pending(settings, plan)
    if executes_in_this_process(context, dg.AssetKey(PUBLISHED_ASSET)):
        import_in_background("great_expectations")  # the publication gate's, after dbt
    whole = (context.selected_asset_keys == context.assets_def.keys
             and context.selected_asset_check_keys == context.assets_def.check_keys)
    rules = RowRules(context, dbt_manifest(dbt_project.manifest_path), translator, dbt_project)
    # No row counts on Spark: they would start a second Spark session in this process, next to
    # dbt's, on the same single-user (Derby) metastore.
    counts_rows = settings.engine == "duckdb"
    failure = None
    with run_target(settings, context.run_id, plan.code) as (target, parse_args):
        with environment(plan.env):  # dbt starts inside cli()
            invocation = dbt.cli(["build", *parse_args, *plan.args, *(["--threads", "1"] if serial else []),
                                  *rules.exclude_args()],
                                 context=context, target_path=target)
        # Test results go to Dagster while dbt runs (storing them overlaps dbt's work); on DuckDB the
        # models' outputs wait until dbt exits, which holds the file, for their row counts. A failed
        # build still reports what it did, and reruns its failed row rules, before its error is raised.
        built = []
        try:
            for event in rules.unfolded(invocation.stream()):
                if counts_rows and isinstance(event, (dg.Output, dg.AssetMaterialization)):
                    built.append(event)
                else:
                    yield event
        except Exception as error:  # noqa: BLE001 (raised again below)
            failure = error
        yield from with_row_counts(built, settings.warehouse_path, invocation.manifest)
        with environment(plan.env):  # the failed row_rules tests' rules, on the same waves
            yield from rules.rerun_failed(dbt, target)
    if failure:
        raise failure
    if whole:  # reached only when dbt passed
        record_good_build(settings, plan)


def import_in_background(module: str) -> None:
    """Start importing ``module`` on a thread of its own, for a step later in this process.

    A refresh in one process (make run) would otherwise import Great Expectations (about 3 s) after
    dbt, while dbt's subprocess leaves this one mostly idle; the gate then finds it imported (an
    import under way is waited for, not repeated).
    """
    threading.Thread(target=importlib.import_module, args=(module,), name=f"import-{module}", daemon=True).start()


# dbt runs one node at a time when the raw survey set is larger than this share of DuckDB's memory
# bound. Two large queries in one DuckDB share its bound and can each fail to get their minimum
# (both ran out of memory at 2.3 million invited, and at 230,000 under a 200 MB bound), while on
# two cores one large query already keeps both busy (BENCHMARKS.md, issue 23).
SERIAL_ABOVE_SHARE_OF_MEMORY = 1 / 8


def one_node_at_a_time(settings: Settings, plan: WavePlan) -> bool:
    """Whether dbt runs one node at a time (else the profile's threads): on DuckDB, when the raw
    survey set is large for its memory bound."""
    return (settings.engine == "duckdb"
            and plan.raw_bytes > byte_size(settings.duckdb_memory) * SERIAL_ABOVE_SHARE_OF_MEMORY)


def with_row_counts(events: list, warehouse: Path, manifest: Mapping[str, Any]) -> Iterator:
    """Models' and seeds' output events, those stored as tables with their row count (``dagster/row_count``).

    By hand rather than dagster-dbt's ``fetch_row_counts()``: that one holds every event back
    until dbt exits, polls its thread pool in a busy loop meanwhile (about 20 s of one of two cores
    at the sample's size, BENCHMARKS.md) and opens a query per model; here one query counts every
    table. Views are not counted (as in dagster-dbt): that would run their query. Column schemas
    come from the manifest, not fetch_column_metadata (17 s a run).
    """
    tables = {}  # event index -> relation
    for index, event in enumerate(events):
        value = event.metadata.get("unique_id")
        node = manifest["nodes"].get(getattr(value, "value", value))
        if node and node["config"]["materialized"] != "view" and node.get("relation_name"):
            tables[index] = node["relation_name"]
    counted = {}
    if tables:  # the relation names are catalog-qualified with the file's name, "warehouse"
        with read_only(warehouse, alias="warehouse") as con:
            counted = dict(con.execute(" UNION ALL ".join(f"SELECT {index}, count(*) FROM {relation}"
                                                          for index, relation in tables.items())).fetchall())
    for index, event in enumerate(events):
        if index in counted:
            event = event.with_metadata({**event.metadata, "dagster/row_count": dg.MetadataValue.int(counted[index])})
        yield event


PARSE_STATE = "partial_parse.msgpack"
PARSE_STATE_CODE = "partial_parse.code"  # the digest of the dbt project that state was parsed from


@contextlib.contextmanager
def run_target(settings: Settings, run_id: str, code: str) -> Iterator[tuple[Path, list[str]]]:
    """dbt's target folder for one run, inside the data folder, and the parse arguments of its build.

    dagster-dbt gives each run a fresh target folder and seeds it with the project's parse state,
    which dbt discards whenever the profile differs (another data folder or memory bound): every
    run would parse the whole project. The state of this data folder's last run is kept instead,
    and only the last run's artifacts stay (runs of one folder hold its lock, one at a time).
    That state is only used by the same dbt project (``code``, waves.project_digest): after a
    change dbt parses everything (``--no-partial-parse``), since its partial parsing can fail on
    what changed (a project macro overriding one of dbt's, calling a new macro, is "undefined";
    dbt 1.11), and the failed parse would leave the state that fails every later run.
    """
    root = settings.dbt_target_dir
    target = root / f"run-{run_id}"
    target.mkdir(parents=True, exist_ok=True)
    code_file = root / PARSE_STATE_CODE
    same_code = (root / PARSE_STATE).exists() and code_file.exists() and code_file.read_text(encoding="utf-8") == code
    if same_code:
        shutil.copy2(root / PARSE_STATE, target / PARSE_STATE)  # dagster-dbt then keeps it
    try:
        yield target, [] if same_code else ["--no-partial-parse"]
    finally:
        if (target / PARSE_STATE).exists():
            code_file.unlink(missing_ok=True)  # first: a state is never taken for another code's
            shutil.copy2(target / PARSE_STATE, root / f"{PARSE_STATE}.tmp")
            (root / f"{PARSE_STATE}.tmp").replace(root / PARSE_STATE)
            code_file.write_text(code, encoding="utf-8")
        for older in root.glob("run-*"):
            if older != target:
                shutil.rmtree(older, ignore_errors=True)


# The dbt of this virtualenv, whatever PATH says (make run does not activate the venv).
dbt_resource = DbtCli(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR),
                      dbt_executable=str(Path(sys.executable).parent / "dbt"))
