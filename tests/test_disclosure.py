"""Complementary suppression: no suppressed cell can be had by subtraction along a published hierarchy.

The audit (orchestration/quality/disclosure.py) is checked on hand-made groups; the models' choice of
secondary suppressions on a tree where primary suppression alone leaves derivable municipalities
(``large_build``).
"""

from __future__ import annotations

import pandas as pd
import pytest

from orchestration.config import suppression_limit
from orchestration.quality.disclosure import SEGMENT_BASES, add_derivable, unprotected_groups
from orchestration.quality.publication_gate import frames


def groups_left_open(total: tuple[int, bool], parts: list[tuple[int, bool]]) -> bool:
    """True when the audit finds the one group (total n_base, hidden; parts n_base, hidden) derivable."""
    frame = pd.DataFrame([{"g": 1, "n_base": n, "hidden": h} for n, h in parts])
    totals = pd.DataFrame([{"g": 1, "n_base": total[0], "hidden": total[1]}])
    return not unprotected_groups(frame, totals, ["g"]).empty


@pytest.mark.parametrize(("total", "parts", "open_"), [
    ((20, False), [(3, True), (17, False)], True),                   # total minus the shown part
    ((20, False), [(3, True), (6, True), (11, False)], False),       # two hidden, 9 together
    ((20, False), [(2, True), (2, True), (16, False)], True),        # two hidden, but 4 together
    ((20, False), [(3, True), (0, True), (17, False)], True),        # a hidden 0 protects nothing
    ((23, False), [(3, True), (17, False)], False),                  # 3 unpublished in the total
    ((21, False), [(3, True), (17, False)], True),                   # 1 unpublished: 4 together
    ((20, True), [(3, False), (17, False)], True),                   # a hidden total is the parts' sum
    ((20, True), [(3, True), (17, False)], False),
    ((3, True), [(3, True), (0, True)], False),
    ((20, False), [(5, False), (15, False)], False),
])
def test_the_audit_finds_every_cell_that_subtraction_gives(total, parts, open_):
    assert groups_left_open(total, parts) is open_


def test_secondary_suppression_closes_every_group_primary_suppression_leaves_open(large_build):
    tables = frames(large_build.published, None)
    area = tables["area_metrics"]
    # primary suppression alone (n_base below the limit) would leave municipalities derivable
    primary = {name: frame.assign(suppressed=frame[SEGMENT_BASES.get(name, "n_base")] < suppression_limit())
               for name, frame in tables.items() if "suppressed" in frame}
    for frame in primary.values():
        frame.loc[frame["suppressed"], [c for c in ("n_yes", "share", "share_eased") if c in frame]] = None
    add_derivable(primary | {t: f for t, f in tables.items() if t not in primary})
    assert primary["area_metrics"]["derivable"].sum() >= 2
    # the publication hides more, marks them, and leaves nothing derivable anywhere
    secondary = area[area["secondary_suppressed"]]
    assert len(secondary) >= 2 and (secondary["n_base"] >= suppression_limit()).all()
    assert secondary[["n_yes", "share", "ci_low", "ci_high"]].isna().all().all()
    assert not area.loc[~area["suppressed"], "share"].isna().any()
    for name, frame in tables.items():
        if "derivable" in frame:
            assert not frame["derivable"].any(), name
    # and each secondary cell is the smallest shown one of its group when it was chosen
    for _key, group in area[area["area_level"] == "kommune"].groupby(["wave_id", "metric", "region_navn"]):
        chosen = group[group["secondary_suppressed"]]
        shown = group[~group["suppressed"] & (group["n_base"] > 0)]
        if len(chosen) and len(shown):
            assert chosen["n_base"].max() <= shown["n_base"].min()

