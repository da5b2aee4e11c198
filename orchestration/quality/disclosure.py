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
share. The gate adds a ``derivable`` column to each such table's frame and its suite expects it
false everywhere.

Hand-written: the audit of tau-Argus or sdcTable would need the tables in their own formats and a
JVM or R at publication; the rule is a few group sums over the published aggregates.
"""

from __future__ import annotations

import pandas as pd

from orchestration.config import suppression_limit

SEGMENT_TOTAL = "alle"
# table -> the columns that, with the segment, key one cell of it
SEGMENT_TABLES = {
    "headline_metrics": ["wave_id", "metric"],
    "innovation_types": ["wave_id", "innovation_type"],
    "partner_types": ["wave_id", "partner_type"],
    "barriers": ["wave_id", "barrier"],
    "enablers": ["wave_id", "enabler"],
    "collaboration_quality": ["wave_id"],
    "question_frequencies": ["wave_id", "variable"],
}
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


def _difference_derivable(differences: pd.DataFrame, sides: pd.DataFrame, keys: list[str],
                          side_columns: dict[str, dict], value: str = "suppressed") -> pd.Series:
    """A difference shown although one of its sides is hidden in ``sides``."""
    hidden = sides[keys + ["segment"]].assign(side_hidden=_hidden(sides, value))
    derivable = pd.Series(False, index=differences.index)
    for side_keys in side_columns.values():
        joined = differences[keys].assign(**side_keys).merge(hidden, on=keys + ["segment"], how="left")
        side_hidden = joined["side_hidden"].fillna(False).astype(bool).values
        derivable |= pd.Series(side_hidden, index=differences.index) & differences["difference"].notna()
    return derivable


def _wave_derivable(waves: pd.DataFrame, headline: pd.DataFrame) -> pd.Series:
    hidden = headline[["wave_id", "segment", "metric"]].assign(side_hidden=headline["suppressed"].astype(bool))
    derivable = pd.Series(False, index=waves.index)
    for side in ("wave_from", "wave_to"):
        joined = waves[["segment", "metric", side]].rename(columns={side: "wave_id"}).merge(
            hidden, on=["wave_id", "segment", "metric"], how="left")
        derivable |= pd.Series(joined["side_hidden"].fillna(False).astype(bool).values, index=waves.index)
    return derivable & waves["difference"].notna()


def _item_derivable(items: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.Series:
    derivable = pd.Series(False, index=items.index)
    for (listing, measure), (table, key, value) in ITEM_MEASURES.items():
        rows = (items["list"] == listing) & (items["measure"] == measure)
        if not rows.any():
            continue
        side = tables[table].rename(columns={key: "item"})
        part = _difference_derivable(items[rows], side, ["wave_id", "item"],
                                     {s: {"segment": s} for s in ("forening", "kommunalt_tilbud")}, value)
        derivable.loc[part.index] = part
    return derivable


def add_derivable(tables: dict[str, pd.DataFrame]) -> None:
    """Add the ``derivable`` column to every frame of a table with a published hierarchy."""
    for table, keys in SEGMENT_TABLES.items():
        frame = tables[table]
        frame["derivable"] = _segment_derivable(frame, keys)
        if table == "barriers":
            frame["derivable"] |= _segment_derivable(frame, keys, "n_base_eased", "share_eased")
    tables["area_metrics"]["derivable"] = _area_derivable(tables["area_metrics"], tables["headline_metrics"])
    segments = {s: {"segment": s} for s in ("forening", "kommunalt_tilbud")}
    tables["segment_differences"]["derivable"] = _difference_derivable(
        tables["segment_differences"], tables["headline_metrics"], ["wave_id", "metric"], segments)
    tables["wave_differences"]["derivable"] = _wave_derivable(tables["wave_differences"], tables["headline_metrics"])
    tables["item_segment_differences"]["derivable"] = _item_derivable(tables["item_segment_differences"], tables)
