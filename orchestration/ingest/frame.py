"""The optional population frame (``frame/population_frame.csv``) for survey weights."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from orchestration.errors import SourceRefused
from orchestration.ingest.landing import LandingFile, describe
from orchestration.ingest.rawstore import RawTable, write_raw_set
from orchestration.ingest.textfiles import read_small_csv
from orchestration.ingest.validation import refuse_invalid
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
    refuse_invalid(path, frame_schema(), frame, where=lambda row: f"line {row + 2}")
    write_raw_set(raw_dir / "frame" / "current",
                  [RawTable("frame", frame, {"region_navn": "VARCHAR", "segment": "VARCHAR", "population": "BIGINT"})],
                  files)
    return files, len(rows)
