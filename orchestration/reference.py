"""The canonical code lists (the dbt seeds), read from one place for Python code."""

from __future__ import annotations

import csv
from functools import lru_cache

from orchestration.config import SEEDS_DIR

REFERENCE_LISTS = (
    "barriers",
    "case_org_types",
    "enablers",
    "innovation_types",
    "interview_sectors",
    "kommuner",
    "partner_types",
    "target_groups",
    "themes",
)


@lru_cache(maxsize=None)
def reference(name: str) -> tuple[dict[str, str], ...]:
    """Rows of one reference list (``ref_<name>.csv``) as dicts of strings."""
    if name not in REFERENCE_LISTS:
        raise KeyError(f"unknown reference list {name!r}")
    with open(SEEDS_DIR / f"ref_{name}.csv", encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle, delimiter=";"))


def keys(name: str) -> frozenset[str]:
    """The keys of a reference list."""
    return frozenset(row["key"] for row in reference(name))


def kommune_codes() -> frozenset[int]:
    """The 98 municipality codes as integers."""
    return frozenset(int(row["kommune_kode"]) for row in reference("kommuner"))


def label_to_key(name: str) -> dict[str, str]:
    """Danish label, case- and space-folded, to key (for hand-typed labels)."""
    return {fold_label(row["label_da"]): row["key"] for row in reference(name)}


def fold_label(text: str) -> str:
    """Fold a hand-typed label: lower case, surrounding and repeated spaces removed."""
    return " ".join(str(text).split()).casefold()
