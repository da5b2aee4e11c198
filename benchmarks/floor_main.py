"""Run the floor on a landing tree in its own process and check it equals a publication.

Usage: python -m benchmarks.floor_main <landing> <published.duckdb>; exit 1 when they differ.
The floor runs under the pipeline's DuckDB memory bound (SIW_DUCKDB_MEMORY, spilling beyond it),
so that both sides of the ratio work in the same conditions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb

from benchmarks.floor import differences, run_floor
from orchestration.config import get_settings


def main() -> int:
    landing, published = Path(sys.argv[1]), Path(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="floor-") as spill:
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{spill}'")
        con.execute(f"SET memory_limit = '{get_settings().duckdb_memory}'")
        # As the pipeline's DuckDB sets it (profiles.yml): both sides of the ratio alike.
        con.execute("SET preserve_insertion_order = false")
        started = time.perf_counter()
        run_floor(landing, con)
        print(f"floor SQL: {time.perf_counter() - started:.2f} s")
        problems = differences(con, published)
        con.close()
    for problem in problems[:20]:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
