"""The disclosure audit of a candidate publication: can a suppressed cell be had by subtraction?

Independent of the dbt models that choose the suppressions (macros/metrics.sql): this reads only
what is published. Every published hierarchy is a group of a total and its parts (segment to
``alle``; municipality to region; region to the whole country, which is ``headline_metrics``'
``alle`` row). Of a group an attacker knows the total's and every part's ``n_base`` and the shown
parts' counts, so the hidden parts' combined count is the total minus the shown ones. A group
protects its hidden cells when, with the total shown, there are none, or at least two hidden
parts (an unpublished residual of the total, ``n_base`` of the total minus the parts', counts as
one) whose combined ``n_base`` with the residual's is at least the suppression limit; with the
total hidden, at least one part is hidden or the parts do not add up to it. A part with ``n_base``
0 is known to be 0 and hides nothing. A difference table must not show a difference of a hidden
share. The panel (``panel_changes``) is a segment hierarchy of its own, on ``n_pairs``. The gate adds a ``derivable`` column to each such table's frame and its suite expects it
false everywhere.

Hand-written: the audit of tau-Argus or sdcTable would need the tables in their own formats and a
JVM or R at publication; the rule is a few group sums over the published aggregates.
"""

from __future__ import annotations

import pandas as pd

from orchestration.config import suppression_limit

SEGMENT_TOTAL = "alle"
ORG_SEGMENTS = ("forening", "kommunalt_tilbud")  # the parts of alle
# table -> the columns that, with the segment, key one cell of it
SEGMENT_TABLES = {
    "headline_metrics": ["wave_id", "metric"],
    "innovation_types": ["wave_id", "innovation_type"],
    "partner_types": ["wave_id", "partner_type"],
    "barriers": ["wave_id", "barrier"],
    "enablers": ["wave_id", "enabler"],
    "collaboration_quality": ["wave_id"],
    "question_frequencies": ["wave_id", "variable"],
    "panel_changes": ["wave_from", "wave_to", "metric"],
}
# table -> its cells' base, where it is not n_base
SEGMENT_BASES = {"panel_changes": "n_pairs"}
# item_segment_differences' list and measure -> the published table and the column that hides it
ITEM_MEASURES = {("innovation_types", "share"): ("innovation_types", "innovation_type", "share"),
                 ("partner_types", "share"): ("partner_types", "partner_type", "share"),
                 ("barriers", "share_high"): ("barriers", "barrier", "share_high"),
                 ("barriers", "share_eased"): ("barriers", "barrier", "share_eased"),
                 ("enablers", "share_high"): ("enablers", "enabler", "share_high")}


def unprotected_groups(parts: pd.DataFrame, totals: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The groups (``keys``) whose hidden cells can be derived. ``parts`` and ``totals`` have the
    keys, ``n_base`` and ``hidden``; returns the keys and ``total_hidden`` of each such group."""
    limit = suppression_limit()
    cells = parts.assign(hidden_base=parts["n_base"].where(parts["hidden"] & (parts["n_base"] > 0), 0),
                         hidden_part=(parts["hidden"] & (parts["n_base"] > 0)).astype(int))
    groups = cells.groupby(keys, dropna=False).agg(parts_base=("n_base", "sum"), hidden_base=("hidden_base", "sum"),
                                                   hidden_parts=("hidden_part", "sum")).reset_index()
    groups = groups.merge(totals[keys + ["n_base", "hidden"]].rename(
        columns={"n_base": "total_base", "hidden": "total_hidden"}), on=keys, how="inner")
    residual = (groups["total_base"] - groups["parts_base"]).clip(lower=0)
    shown_total = ~groups["total_hidden"] & (groups["hidden_parts"] > 0) & (
        (groups["hidden_parts"] + (residual > 0) < 2) | (groups["hidden_base"] + residual < limit))
    hidden_total = groups["total_hidden"] & (residual == 0) & (groups["parts_base"] > 0) & (groups["hidden_parts"] == 0)
    return groups.loc[shown_total | hidden_total, keys + ["total_hidden"]]


def _mark(frame: pd.DataFrame, bad: pd.DataFrame, keys: list[str], where: pd.Series) -> pd.Series:
    """True on the rows of ``frame`` (restricted by ``where``) that belong to a group in ``bad``."""
    if bad.empty:
        return pd.Series(False, index=frame.index)
    hit = frame[keys].merge(bad[keys].drop_duplicates(), on=keys, how="left", indicator=True)["_merge"] == "both"
    return pd.Series(hit.values, index=frame.index) & where


def _hidden(frame: pd.DataFrame, value: str = "suppressed") -> pd.Series:
    """A cell's hiding: the ``suppressed`` flag, or a value column that is NULL."""
    return frame[value].astype(bool) if value == "suppressed" else frame[value].isna()


def _segment_derivable(frame: pd.DataFrame, keys: list[str], base: str = "n_base",
                       value: str = "suppressed") -> pd.Series:
    cells = frame[keys + ["segment"]].assign(n_base=pd.to_numeric(frame[base]), hidden=_hidden(frame, value))
    cells = cells.drop_duplicates(keys + ["segment"])  # question_frequencies: one row per value
    total = cells["segment"] == SEGMENT_TOTAL
    bad = unprotected_groups(cells[~total], cells[total], keys)
    is_total = frame["segment"] == SEGMENT_TOTAL
    hidden = _hidden(frame, value) & (pd.to_numeric(frame[base]) > 0)
    return (_mark(frame, bad[~bad["total_hidden"]], keys, hidden & ~is_total)
            | _mark(frame, bad[bad["total_hidden"]], keys, is_total))


def _area_derivable(area: pd.DataFrame, headline: pd.DataFrame) -> pd.Series:
    cells = area.assign(n_base=pd.to_numeric(area["n_base"]), hidden=area["suppressed"].astype(bool))
    regions, municipalities = cells[cells["area_level"] == "region"], cells[cells["area_level"] == "kommune"]
    country = headline[headline["segment"] == SEGMENT_TOTAL].assign(
        n_base=lambda h: pd.to_numeric(h["n_base"]), hidden=lambda h: h["suppressed"].astype(bool))
    hidden = cells["hidden"] & (cells["n_base"] > 0)
    derivable = pd.Series(False, index=area.index)
    for parts, totals, keys, level in ((regions, country, ["wave_id", "metric"], "region"),
                                       (municipalities, regions, ["wave_id", "metric", "region_navn"], "kommune")):
        bad = unprotected_groups(parts, totals, keys)
        derivable |= _mark(area, bad[~bad["total_hidden"]], keys, hidden & (area["area_level"] == level))
        if level == "kommune":  # a hidden region whose municipalities are all shown is their sum
            derivable |= _mark(area, bad[bad["total_hidden"]], keys, area["area_level"] == "region")
    return derivable


def _shown_beside_hidden(differences: pd.DataFrame, sides: list[pd.DataFrame], hidden: pd.DataFrame) -> pd.Series:
    """A difference shown although one of its sides is hidden: each of ``sides`` holds, row for row
    of ``differences``, the keys of one side's cell in ``hidden`` (those keys and ``side_hidden``)."""
    derivable = pd.Series(False, index=differences.index)
    for side in sides:
        joined = side.merge(hidden, on=list(side.columns), how="left")
        derivable |= pd.Series(joined["side_hidden"].eq(True).values, index=differences.index)
    return derivable & differences["difference"].notna()


def _segment_sides(differences: pd.DataFrame, keys: list[str]) -> list[pd.DataFrame]:
    """The two sides of municipal services minus associations: each segment's cell."""
    return [differences[keys].assign(segment=segment) for segment in ORG_SEGMENTS]


def _hidden_cells(frame: pd.DataFrame, keys: list[str], value: str = "suppressed") -> pd.DataFrame:
    return frame[keys].assign(side_hidden=_hidden(frame, value))


def _item_derivable(items: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    derivable = pd.Series(False, index=items.index)
    for (listing, measure), (table, key, value) in ITEM_MEASURES.items():
        rows = items[(items["list"] == listing) & (items["measure"] == measure)]
        if rows.empty:
            continue
        hidden = _hidden_cells(tables[table].rename(columns={key: "item"}), ["wave_id", "item", "segment"], value)
        derivable.loc[rows.index] = _shown_beside_hidden(rows, _segment_sides(rows, ["wave_id", "item"]), hidden)
    return derivable


def add_derivable(tables: dict[str, pd.DataFrame]) -> None:
    """Add the ``derivable`` column to every frame of a table with a published hierarchy."""
    for table, keys in SEGMENT_TABLES.items():
        frame = tables[table]
        frame["derivable"] = _segment_derivable(frame, keys, SEGMENT_BASES.get(table, "n_base"))
        if table == "barriers":
            frame["derivable"] |= _segment_derivable(frame, keys, "n_base_eased", "share_eased")
    tables["area_metrics"]["derivable"] = _area_derivable(tables["area_metrics"], tables["headline_metrics"])
    headline = _hidden_cells(tables["headline_metrics"], ["wave_id", "metric", "segment"])
    segments = tables["segment_differences"]
    segments["derivable"] = _shown_beside_hidden(segments, _segment_sides(segments, ["wave_id", "metric"]), headline)
    waves = tables["wave_differences"]
    waves["derivable"] = _shown_beside_hidden(waves, [waves[["metric", "segment", side]].rename(columns={side: "wave_id"})
                                                      for side in ("wave_from", "wave_to")], headline)
    tables["item_segment_differences"]["derivable"] = _item_derivable(tables["item_segment_differences"], tables)
