"""Run the floor on a landing tree in its own process and check it equals a publication.

Usage: python -m benchmarks.floor_main <landing> <published.duckdb>; exit 1 when they differ.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

from benchmarks.floor import differences, run_floor


def main() -> int:
    landing, published = Path(sys.argv[1]), Path(sys.argv[2])
    con = duckdb.connect()
    started = time.perf_counter()
    run_floor(landing, con)
    print(f"floor SQL: {time.perf_counter() - started:.2f} s")
    problems = differences(con, published)
    for problem in problems[:20]:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
