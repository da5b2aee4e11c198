"""The project's uses of Dagster's, dagster-dbt's and Great Expectations' internals, each behind one
function or class.

None of them offers a public way to do what is needed here; ``tests/test_adapters.py`` fails
loudly when a new version changes what these rely on. (The instance's storage is in
``orchestration/instance_storage.py``, which only the instance imports: its Dagster modules would
add half a second to loading the code location.) (Evidence's offline parquet is a patch
applied at install: ``reports/scripts/offline-parquet.mjs`` fails the install when its anchors no
longer match.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dagster_dbt import DbtCliResource
from dagster_dbt.dbt_manifest import read_manifest_path
from packaging.version import Version

if TYPE_CHECKING:
    import dagster as dg


class DbtCli(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two start-up costs of each ``dbt.cli`` call.

    Before starting dbt, dagster-dbt runs ``dbt --version`` in a subprocess (about 2 s) and loads
    dbt and its adapter into this process (about 3 s), for metadata fetched through the adapter.
    The project fetches none that way (row counts are read from the warehouse file once dbt has
    exited, ``orchestration/dbt/assets.py``), and the dbt it runs is the one installed beside it.
    dagster-dbt has no setting for either, hence its private ``_cli_version`` and
    ``_initialize_dbt_core_adapter``.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # noqa: ARG002
        return None


def dbt_manifest(path: Path) -> Mapping[str, Any]:
    """The dbt manifest at ``path``, as dagster-dbt read it for the assets (it caches what it reads)."""
    return read_manifest_path(path)


def free_pool_slots(instance: dg.DagsterInstance, run_id: str) -> None:
    """Give back the pool slots a dead in-process run holds (its process can no longer do it).

    The daemon's run monitoring does this for runs it launched; `make run` executes in its own
    process without a daemon, and Dagster exposes the release only on its event log storage.
    """
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)


def fail_dead_run(instance: dg.DagsterInstance, run: dg.DagsterRun, reason: str) -> None:
    """Mark a run whose worker is gone failed, with the reason, and give back its pool slots."""
    instance.report_run_failed(run, reason)
    free_pool_slots(instance, run.run_id)


# Executors that run every step in the run's own process (execute_in_process, as `make run` runs, is the second).
IN_PROCESS_EXECUTORS = {"in_process", "execute_in_process_executor"}


def executes_in_this_process(context: dg.AssetExecutionContext, key: dg.AssetKey) -> bool:
    """Whether this run materialises ``key`` in this step's process (not in a step process of its own)."""
    return (context.job_def.executor_def.name in IN_PROCESS_EXECUTORS
            and key in context.job_def.asset_layer.asset_graph.executable_asset_keys)  # of the run's subset


def read_expectation_kwargs_once() -> None:
    """Great Expectations' expectations read their configuration once per lookup of their kwargs.

    ``Expectation.configuration`` builds a new configuration on each access (a pydantic dump of the
    expectation), and GE 1.x's ``_get_domain_kwargs``, ``_get_success_kwargs`` and
    ``_get_runtime_kwargs`` access it once for each key: a quarter of the publication gate's
    validation in py-spy. These versions read it once a call and return the same values; the gate
    validates in about 15 % less time (benchmarks/NOTES.md, issue 23). Idempotent; called where a
    gate starts, as Great Expectations is imported there.
    """
    from great_expectations.expectations.expectation import Expectation, parse_result_format

    if REPLACED_EXPECTATION_METHODS:
        return

    def lookup(expectation: Expectation, kwargs: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
        return {key: kwargs.get(key, expectation._get_default_value(key)) for key in keys}  # noqa: SLF001

    def _get_domain_kwargs(self: Expectation) -> dict[str, Any]:
        return lookup(self, self.configuration.kwargs, self.domain_keys)

    def _get_success_kwargs(self: Expectation) -> dict[str, Any]:
        return {**lookup(self, self.configuration.kwargs, self.success_keys), **self._get_domain_kwargs()}

    def _get_runtime_kwargs(self: Expectation, runtime_configuration: dict | None = None) -> dict:
        runtime_configuration = runtime_configuration or {}
        kwargs = self.configuration.kwargs
        runtime_kwargs = {key: runtime_configuration[key] if key in runtime_configuration
                          else kwargs[key] if key in kwargs
                          else self._get_default_value(key) if key in self.__fields__
                          else self._get_success_kwarg(key)  # not a field: its warning, as upstream
                          for key in self.runtime_keys}
        runtime_kwargs.update(self._get_success_kwargs())
        runtime_kwargs["result_format"] = parse_result_format(runtime_kwargs["result_format"])
        return runtime_kwargs

    for method in (_get_domain_kwargs, _get_success_kwargs, _get_runtime_kwargs):
        REPLACED_EXPECTATION_METHODS[method.__name__] = getattr(Expectation, method.__name__)
        setattr(Expectation, method.__name__, method)


# Great Expectations' own methods that read_expectation_kwargs_once replaced, by name (the tests
# compare them with their replacements).
REPLACED_EXPECTATION_METHODS: dict[str, Any] = {}
