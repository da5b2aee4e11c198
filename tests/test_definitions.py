"""The code location loads, and its graph is what we expect (a change to it is a visible diff)."""

from __future__ import annotations

import subprocess
import sys

import dagster as dg
import pytest

from orchestration.config import DEV_PSEUDONYM_KEY, PROJECT_ROOT, get_settings
from orchestration.definitions import defs

EXPECTED_ASSETS = {
    "raw/survey/respondents", "raw/survey/answers", "raw/survey/variables", "raw/survey/quarantine",
    "raw/interviews/interviews", "raw/interviews/interview_themes", "raw/cases/cases", "raw/cases/case_partners",
    "raw/frame/frame", "staging/stg_survey__respondents", "staging/stg_survey__answers",
    "raw/survey/labels", "raw/cases/case_items",
    "marts/dim_wave", "marts/dim_organisation", "marts/dim_municipality", "marts/dim_target_group",
    "marts/dim_innovation_type", "marts/dim_partner_type", "marts/dim_barrier", "marts/dim_enabler", "marts/dim_date",
    "marts/dim_expert", "marts/dim_theme", "marts/dim_case", "marts/dim_case_organisation",
    "marts/fct_survey_response", "marts/fct_innovation", "marts/fct_partnership", "marts/fct_barrier",
    "marts/fct_enabler", "marts/fct_interview_theme", "marts/fct_case_innovation", "marts/fct_headline_metric",
    "marts/fct_answer", "marts/fct_interview", "marts/fct_population_frame", "marts/dim_metric", "marts/dim_question",
    "marts/dim_wave_segment", "marts/dim_wave_metric", "marts/dim_value_label", "marts/dim_interview_sector",
    "marts/dim_case_org_type",
    "reporting/headline_metrics", "reporting/innovation_types", "reporting/partner_types", "reporting/barriers",
    "reporting/enablers", "reporting/response", "reporting/interviews", "reporting/cases", "publish/report_database",
    "report/site", "report/pdf",
}
EXPECTED_CHECKS = {
    ("raw/survey/respondents", "pandera_survey_contract"),
    ("raw/interviews/interviews", "pandera_interview_contract"),
    ("raw/cases/cases", "every_case_accepted"),
    *{("publish/report_database", f"gx_{table}") for table in (
        "headline_metrics", "innovation_types", "partner_types", "barriers", "enablers", "response", "interviews",
        "cases", "refresh")},
}


def test_definitions_load_with_the_expected_graph():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert EXPECTED_ASSETS <= keys
    checks = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert EXPECTED_CHECKS <= checks
    # dbt tests are asset checks too
    assert ("reporting/response", "unique_combination_response_wave_id__segment") in checks


def test_lineage_runs_from_raw_to_publication():
    graph = defs.resolve_asset_graph()
    from dagster import AssetKey
    upstream = graph.get(AssetKey(["publish", "report_database"])).parent_keys
    assert AssetKey(["reporting", "response"]) in upstream
    assert AssetKey(["raw", "survey", "respondents"]) in graph.get(AssetKey(["staging", "stg_survey__respondents"])).parent_keys


def test_every_asset_is_described_owned_and_grouped():
    for spec in defs.resolve_all_asset_specs():
        assert spec.description, spec.key
        assert spec.owners, spec.key
        assert spec.group_name in {"raw", "staging", "marts", "reporting", "publish", "report"}, spec.key
        assert spec.kinds, spec.key


def test_development_key_is_refused_in_production(monkeypatch):
    monkeypatch.setenv("SIW_ENV", "production")
    monkeypatch.delenv("SIW_PSEUDONYM_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SIW_PSEUDONYM_KEY"):
        get_settings()
    monkeypatch.setenv("SIW_PSEUDONYM_KEY", DEV_PSEUDONYM_KEY)
    with pytest.raises(RuntimeError):
        get_settings()
    monkeypatch.setenv("SIW_PSEUDONYM_KEY", "a-real-secret")
    assert get_settings().pseudonym_key == b"a-real-secret"


def test_the_definitions_load_in_a_python_c_process():
    """Dagster starts run workers with `python -c`; pyspark (imported by pandera) exits such a process
    with code 0 when its Spark Connect dependencies are missing, silently failing every UI run."""
    loaded = subprocess.run([sys.executable, "-c", "import orchestration.definitions; print('loaded')"],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert loaded.returncode == 0 and loaded.stdout.strip().endswith("loaded"), loaded.stderr[-2000:]


def test_great_expectations_is_imported_only_when_a_gate_follows_in_the_same_process():
    """Loading the code location leaves Great Expectations out (about 3 s); the dbt step of a run that
    publishes in its own process starts importing it in the background, which the gate then finds."""
    script = ("import sys, threading; import orchestration.definitions\n"
              "print('before', 'great_expectations' in sys.modules)\n"
              "from orchestration.dbt.assets import import_in_background\n"
              "import_in_background('great_expectations')\n"
              "[t.join() for t in threading.enumerate() if t.name == 'import-great_expectations']\n"
              "print('after', 'great_expectations' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["before", "False", "after", "True"], done.stderr[-2000:]


def test_the_dbt_step_warms_the_gate_only_when_the_publication_runs_in_its_process():
    from orchestration.adapters import executes_in_this_process
    from orchestration.publish.assets import PUBLISHED

    seen = []

    @dg.asset
    def probe(context):
        seen.append(executes_in_this_process(context, PUBLISHED))

    @dg.asset(key=PUBLISHED, deps=[probe])
    def published() -> None:
        pass

    assert dg.materialize([probe, published]).success
    assert dg.materialize([probe, published], selection=[probe.key]).success
    assert seen == [True, False]
