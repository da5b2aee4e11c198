"""The "nothing changed" skip of `make run`: each kind of input of the output changes the fingerprint,
and what runs write (build output, logs, installed packages) does not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from orchestration.config import PROJECT_ROOT, RESULT_SETTINGS, get_settings, input_files
from orchestration.operations.fingerprint import fingerprint

# One file of each kind of input the issue names (the check below edits every input file).
KINDS = ("orchestration/pipeline.py", "dbt_project/dbt_project.yml", "dbt_project/profiles.yml",
         "dbt_project/models/reporting/headline_metrics.sql", "dbt_project/macros/portable.sql",
         "dbt_project/seeds/def_headline_metrics.csv", "dbt_project/spark/log4j2.properties",
         "expectations/response.json", "reports/pages/index.md", "reports/sources/siw/connection.yaml",
         "reports/scripts/offline-parquet.mjs", "reports/package.json", "reports/package-lock.json",
         "reports/evidence.config.yaml", "studies/innovation-2020.yml", "requirements.lock")
WRITTEN_BY_RUNS = ("dbt_project/target/manifest.json", "dbt_project/logs/dbt.log", "reports/node_modules/x/index.js",
              "reports/.evidence/template/x.js", "reports/build/index.html", "orchestration/__pycache__/x.pyc")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the project's inputs, a landing zone and a data folder: what a fingerprint reads."""
    root = tmp_path / "project"
    for path in input_files():
        target = root / path.relative_to(PROJECT_ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    (tmp_path / "landing" / "cases").mkdir(parents=True)
    (tmp_path / "landing" / "cases" / "a.json").write_text("{}")
    monkeypatch.setenv("SIW_LANDING_DIR", str(tmp_path / "landing"))
    monkeypatch.setenv("SIW_DATA_DIR", str(tmp_path / "data"))
    for name in RESULT_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return root


def current(root: Path) -> str:
    return fingerprint(get_settings(), root)


def test_every_kind_of_input_is_an_input_and_build_output_is_not():
    inputs = {str(p.relative_to(PROJECT_ROOT)) for p in input_files()}
    assert set(KINDS) <= inputs
    assert not {p for p in inputs if p.split("/")[0:2] in (["dbt_project", "target"], ["reports", "node_modules"])}


def test_an_edit_of_any_input_file_changes_the_fingerprint(project):
    before = current(project)
    assert current(project) == before  # stable
    files = list(input_files(project))
    assert len(files) > 100
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b" ")
        assert current(project) != before, path
        path.write_bytes(original)
    assert current(project) == before
    (project / "dbt_project" / "models" / "new.sql").write_text("select 1")
    assert current(project) != before  # a new file counts too


@pytest.mark.parametrize("written", WRITTEN_BY_RUNS)
def test_what_runs_write_is_not_an_input(project, written):
    before = current(project)
    (project / written).parent.mkdir(parents=True, exist_ok=True)
    (project / written).write_text("output")
    assert current(project) == before


@pytest.mark.parametrize("name", RESULT_SETTINGS)
def test_each_result_setting_changes_the_fingerprint(project, monkeypatch, name):
    before = current(project)
    monkeypatch.setenv(name, {"SIW_ENGINE": "spark", "SIW_QUARANTINE_THRESHOLD": "0.3",
                              "SIW_MAX_COMPLETED_SHRINK": "0.3", "SIW_DUCKDB_MEMORY": "3GB"}.get(name, "other"))
    assert current(project) != before


def test_landing_files_and_the_study_definition_change_the_fingerprint(project, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    case = landing / "cases" / "a.json"
    seen = {current(project)}
    (landing / "cases" / "b.json").write_text("{}")  # a new file
    seen.add(current(project))
    case.write_text("{ }")  # another size
    seen.add(current(project))
    os.utime(case, ns=(case.stat().st_atime_ns, case.stat().st_mtime_ns + 1))  # touched
    seen.add(current(project))
    (landing / "cases" / "b.json").unlink()  # deleted
    seen.add(current(project))
    study = tmp_path / "study.yml"
    study.write_text("study: any survey\n")
    monkeypatch.setenv("SIW_STUDY", str(study))
    seen.add(current(project))
    study.write_text("study: another survey\n")  # the same path, another definition
    seen.add(current(project))
    assert len(seen) == 7
