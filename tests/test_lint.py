"""The project's lint rules (pyproject.toml, ruff): the code passes them, and the rule against DuckDB's
process-wide default connection catches a use of it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.config import PROJECT_ROOT

RUFF = str(Path(sys.executable).parent / "ruff")


def ruff(*paths: str | Path) -> subprocess.CompletedProcess:
    config = str(PROJECT_ROOT / "pyproject.toml")
    return subprocess.run([RUFF, "check", "--no-cache", "--config", config, *map(str, paths)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_the_code_passes_the_lint_rules():
    done = ruff("orchestration", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout[-3000:]


def test_duckdbs_default_connection_is_refused(tmp_path):
    for line in ("duckdb.sql('SELECT 1')", "duckdb.execute('SELECT 1')", "duckdb.read_parquet('x.parquet')"):
        (tmp_path / "uses_default.py").write_text(f"import duckdb\n\n{line}\n")
        done = ruff(tmp_path / "uses_default.py")
        assert done.returncode == 1 and "TID251" in done.stdout and "default connection" in done.stdout, line
    own = "import duckdb\n\nwith duckdb.connect() as con:\n    con.sql('SELECT 1')\n"
    (tmp_path / "uses_default.py").write_text(own)
    assert ruff(tmp_path / "uses_default.py").returncode == 0
