"""The optional population frame (``frame/population_frame.csv``) for survey weights."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pandera.pandas as pa

from orchestration.errors import SourceRefused
from orchestration.ingest.landing import LandingFile, describe
from orchestration.folders import replace_folder
from orchestration.ingest.rawstore import copy_to_parquet, write_registry
from orchestration.ingest.textfiles import read_small_csv
from orchestration.reference import reference

HEADER = ["region_navn", "segment", "population"]
SEGMENTS = ("forening", "kommunalt_tilbud")


def frame_schema() -> pa.DataFrameSchema:
    """Regions of the reference list (plus Landsdækkende), the two segments, whole counts."""
    regions = sorted({row["region_navn"] for row in reference("kommuner")} | {"Landsdækkende"})
    return pa.DataFrameSchema({
        "region_navn": pa.Column(str, pa.Check.isin(regions)),
        "segment": pa.Column(str, pa.Check.isin(SEGMENTS)),
        "population": pa.Column(str, pa.Check.str_matches(r"^\d+$")),
    }, unique=["region_navn", "segment"])


def read_frame(path: Path | None, raw_dir: Path) -> tuple[list[LandingFile], int]:
    """Write ``raw/frame/current/frame.parquet`` (empty when no frame is delivered)."""
    files, rows = [], []
    if path is not None:
        files = [describe(path)]
        records = read_small_csv(path)
        if not records or [h.strip() for h in records[0][:3]] != HEADER:
            raise SourceRefused(path, f"must start with the header {';'.join(HEADER)}")
        for record in records[1:]:
            region, segment, population = (c.strip() for c in (record + ["", "", ""])[:3])
            rows.append({"region_navn": region, "segment": segment, "population": population})
    frame = pd.DataFrame(rows, columns=HEADER)
    try:
        frame_schema().validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        first = errors.failure_cases.iloc[0]
        line = int(first["index"]) + 2 if pd.notna(first["index"]) else "?"
        raise SourceRefused(path, f"line {line}, column {first['column']}: {first['failure_case']!r} breaks the "
                                  f"rule {first['check']}") from None
    frame["population"] = frame["population"].astype("int64")
    con = duckdb.connect()
    try:
        con.register("frame_df", frame)
        with replace_folder(raw_dir / "frame" / "current") as out:
            copy_to_parquet(con, "SELECT region_navn::VARCHAR AS region_navn, segment::VARCHAR AS segment, "
                                 "population::BIGINT AS population FROM frame_df", out / "frame.parquet")
            write_registry(out, files)
    finally:
        con.close()
    return files, len(rows)
