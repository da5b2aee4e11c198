"""Dagster assets of the raw layer, each behind a blocking validation check.

A refused source leaves its last good raw data in place, records the refusal for the
ingestion report, and fails its blocking check, so nothing downstream runs on it.
"""


import dagster as dg

from orchestration.config import OWNERS, WAREHOUSE_POOL, get_settings
from orchestration.ingest.cases import read_cases
from orchestration.errors import SourceRefused
from orchestration.ingest.frame import read_frame
from orchestration.ingest.interviews import read_interview_log
from orchestration.ingest.landing import folder_waves, safe_files
from orchestration.ingest.rawstore import clean_scratch
from orchestration.refusals import clear_refusal, record_refusal
from orchestration.ingest.survey import WaveReader
from orchestration.study import StudyInvalid, validate_study
from orchestration.warehouse_lock import holding_warehouse_lock

survey_waves = dg.DynamicPartitionsDefinition(name="survey_waves")


def _files_metadata(files) -> dict:
    return {
        "files": dg.MetadataValue.md("\n".join(
            f"- `{f.path.name}`: {f.size:,} bytes, sha256 `{f.sha256[:16]}…`" for f in files) or "(none)"),
    }


RAW_TABLES = {
    "survey": ("respondents", "answers", "variables", "labels", "quarantine", "code_map", "notes"),
    "interviews": ("interviews", "interview_themes"),
    "cases": ("cases", "case_partners", "case_items"),
    "frame": ("frame",),
}
TABLE_DOCS = {
    "respondents": "one row per dataset row with its record status (current, superseded, quarantined)",
    "answers": "every non-blank cell of the dataset, long (line, variable, value)",
    "variables": "the variables as the structure and labels describe them",
    "labels": "the value labels of the closed variables (variable, value, label)",
    "quarantine": "row faults: wave, file, line, respondentid, variable, value, rule",
    "code_map": "per variable of a mapped concept, the export's code and the contract code it stands for",
    "notes": "what the ingestion report names of a wave (no status, no respondentid, unlabelled variables)",
    "interviews": "one row per interview; without consent only the id",
    "interview_themes": "interview x theme key",
    "cases": "one row per accepted case",
    "case_partners": "partner organisations per case",
    "case_items": "target groups, innovation types and barriers overcome per case",
    "frame": "population per region x segment (empty when no frame is delivered)",
}


def raw_specs(source: str, description: str, **kwargs) -> list[dg.AssetSpec]:
    """One asset per raw parquet table of a source (dbt sources map onto these keys)."""
    return [dg.AssetSpec(["raw", source, table], group_name="raw", owners=OWNERS, skippable=True,
                         kinds={"duckdb", "parquet"} | ({"pandera"} if source in ("survey", "interviews") else set()),
                         description=f"{description}: {TABLE_DOCS[table]}.", **kwargs)
            for table in RAW_TABLES[source]]


def materialized(source: str, metadata: dict, checks: list[dg.AssetCheckResult]):
    """Materialisation events of every table of a source; the checks ride on the first one."""
    for i, table in enumerate(RAW_TABLES[source]):
        yield dg.MaterializeResult(asset_key=["raw", source, table], metadata=metadata,
                                   check_results=checks if i == 0 else None)


def refused(source: str, check_name: str, refusal: SourceRefused) -> dg.AssetCheckResult:
    """The failed blocking check of a refused source (nothing is materialised)."""
    message = f"refused {refusal.path}: {refusal.reason}; the last good data stays in use"
    return dg.AssetCheckResult(asset_key=["raw", source, RAW_TABLES[source][0]], check_name=check_name,
                               passed=False, severity=dg.AssetCheckSeverity.ERROR, description=message,
                               metadata={"file": refusal.path, "reason": refusal.reason})


@dg.multi_asset(
    specs=raw_specs("survey", "A survey wave's export (three CSV files or the Excel export) in the raw layer "
                              "(raw/survey/wave=<id>/); unchanged files are skipped by sha256",
                    partitions_def=survey_waves),
    check_specs=[dg.AssetCheckSpec("pandera_survey_contract", asset=["raw", "survey", "respondents"], blocking=True,
                                   description="Every wave of the run passes its pandera schema built from its "
                                               "structure and labels; a wave fault refuses the wave and stops "
                                               "everything downstream.")],
    can_subset=False,
    pool=WAREHOUSE_POOL,
    # One run ingests every wave it targets (the nightly refresh), one after the other.
    backfill_policy=dg.BackfillPolicy.single_run(),
)
@holding_warehouse_lock
def raw_survey(context: dg.AssetExecutionContext):
    """Ingest the waves of the run (its partitions); refuse a wave whole on a wave fault."""
    settings = get_settings()
    try:  # an invalid study definition stops the refresh before any wave is read
        validate_study(settings.study_path)
    except StudyInvalid as invalid:
        raise dg.Failure(description=str(invalid), metadata={"file": str(invalid.path), "line": invalid.line or 0,
                                                             "reason": invalid.reason}) from None
    clean_scratch(settings.raw_dir)
    outcomes: dict[str, dict] = {}
    refusals: list[SourceRefused] = []
    ours = folder_waves(settings.landing_dir, settings.raw_dir)
    for wave_id in context.partition_keys:
        if wave_id not in ours:  # a wave of another data folder that shares the Dagster instance
            context.log.debug(f"wave {wave_id} is not a wave of this data folder; left alone")
            continue
        folder = settings.landing_dir / "survey" / f"wave={wave_id}"
        if not folder.is_dir():
            context.log.warning(f"wave {wave_id} is no longer in the landing zone; its last good data stays")
            outcomes[wave_id] = {"status": "not in the landing zone; last good data kept"}
            continue
        reader = WaveReader(wave_id, folder, settings.raw_dir, settings.work_dir, settings.pseudonym_key,
                            settings.quarantine_threshold, settings.duckdb_memory, settings.study_path)
        try:
            result = reader.read()
        except SourceRefused as refusal:
            record_refusal(settings.raw_dir, f"survey-wave={wave_id}", "survey", refusal)
            context.log.error(f"wave {wave_id} refused: {refusal}")
            refusals.append(refusal)
            outcomes[wave_id] = {"status": f"refused: {refusal.reason}"}
            continue
        clear_refusal(settings.raw_dir, f"survey-wave={wave_id}")
        if result is None:
            context.log.info(f"wave {wave_id}: files unchanged since the last ingestion; skipped")
            outcomes[wave_id] = {"status": "skipped (unchanged files, same sha256)"}
            continue
        outcomes[wave_id] = {
            "status": "ingested", "encoding": result.encoding, "rows_read": result.rows_read,
            "rows_answered": result.rows_answered, "rows_quarantined": result.rows_quarantined,
            "rows_superseded": result.rows_superseded, "columns_dropped": ", ".join(result.columns_dropped) or "none",
            "layout": result.layout, "notes": "; ".join(result.notes) or "none",
            "files": ", ".join(f"{f.path.name} ({f.size:,} B, sha256 {f.sha256[:12]}…)" for f in result.files),
            "quarantine_preview": result.quarantine_preview,
        }
    metadata = {"waves": dg.MetadataValue.md(_waves_markdown(outcomes)),
                **({"skipped": "unchanged files (same sha256)"}
                   if all(o["status"].startswith("skipped") for o in outcomes.values()) else {})}
    for wave_id, outcome in outcomes.items():
        for key in ("rows_read", "rows_quarantined", "rows_superseded"):
            if key in outcome:
                metadata[f"{wave_id}/{key}"] = outcome[key]
    check = "pandera_survey_contract"
    if refusals:
        message = "; ".join(f"refused {r.path}: {r.reason}" for r in refusals) + "; the last good data stays in use"
        yield dg.AssetCheckResult(asset_key=["raw", "survey", "respondents"], check_name=check, passed=False,
                                  severity=dg.AssetCheckSeverity.ERROR, description=message,
                                  metadata={"file": refusals[0].path, "reason": refusals[0].reason,
                                            "waves": dg.MetadataValue.md(_waves_markdown(outcomes))})
        return
    yield from materialized("survey", metadata, [dg.AssetCheckResult(
        check_name=check, passed=True,
        metadata={"waves": len(outcomes), "threshold": settings.quarantine_threshold})])


def _waves_markdown(outcomes: dict[str, dict]) -> str:
    """A table of what happened to each wave, with its quarantine preview (line, variable, rule)."""
    lines = ["| wave | status | rows read | quarantined | superseded | dropped columns | files |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for wave_id, o in outcomes.items():
        lines.append(f"| {wave_id} | {o['status']} | {o.get('rows_read', '')} | {o.get('rows_quarantined', '')} | "
                     f"{o.get('rows_superseded', '')} | {o.get('columns_dropped', '')} | {o.get('files', '')} |")
    previews = [f"\n**{w}: quarantine**\n\n{o['quarantine_preview']}" for w, o in outcomes.items()
                if o.get("quarantine_preview")]
    return "\n".join(lines + previews)


@dg.multi_asset(
    specs=raw_specs("interviews", "The expert-interview log (sheet Interviews) in the raw layer; no names, "
                                  "e-mails or phones"),
    check_specs=[dg.AssetCheckSpec("pandera_interview_contract", asset=["raw", "interviews", "interviews"],
                                   blocking=True,
                                   description="The workbook has the sheet and every column; rows pass the schema.")],
    can_subset=False,
    pool=WAREHOUSE_POOL,
)
@holding_warehouse_lock
def raw_interviews(context: dg.AssetExecutionContext):
    """Ingest the interview log; refuse it whole when it breaks the contract."""
    settings = get_settings()
    files, warnings = safe_files(settings.landing_dir, settings.landing_dir / "interviews", "interview_log.xlsx")
    for warning in warnings:
        context.log.warning(warning)
    check = "pandera_interview_contract"
    try:  # the log is optional: without one the interview tables are empty (and the method page says so)
        result = read_interview_log(files[0] if files else None, settings.raw_dir, settings.pseudonym_key)
    except SourceRefused as refusal:
        record_refusal(settings.raw_dir, "interviews", "interviews", refusal)
        context.log.error(str(refusal))
        yield refused("interviews", check, refusal)
        return
    clear_refusal(settings.raw_dir, "interviews")
    yield from materialized(
        "interviews",
        {**_files_metadata(result.files), "delivered": bool(result.files), "rows_read": result.rows_read,
         "without_consent": result.without_consent, "labels_not_matched": len(result.quarantine)},
        [dg.AssetCheckResult(check_name=check, passed=True, metadata={"labels_not_matched": len(result.quarantine)})])


@dg.multi_asset(
    specs=raw_specs("cases", "The case exports (one JSON file per case) in the raw layer; bad files are refused "
                             "alone"),
    check_specs=[dg.AssetCheckSpec("every_case_accepted", asset=["raw", "cases", "cases"], blocking=False,
                                   description="Warns when a case file was refused (the other cases go on).")],
    can_subset=False,
    pool=WAREHOUSE_POOL,
)
@holding_warehouse_lock
def raw_cases(context: dg.AssetExecutionContext):
    """Ingest every case file; a bad file is refused and reported."""
    settings = get_settings()
    files, warnings = safe_files(settings.landing_dir, settings.landing_dir / "cases", "*.json")
    for warning in warnings:
        context.log.warning(warning)
    result = read_cases(files, settings.raw_dir)
    refused_md = "\n".join(f"- `{r['file']}`: {r['reason']}" for r in result.refused) or "none"
    for note in result.notes:
        context.log.warning(f"{note['file']}: {note['note']}")
    yield from materialized(
        "cases",
        {"cases_accepted": len(result.accepted), "cases_refused": len(result.refused),
         "notes": dg.MetadataValue.md("\n".join(f"- `{n['file']}`: {n['note']}" for n in result.notes) or "none"),
         "refused": dg.MetadataValue.md(refused_md)},
        [dg.AssetCheckResult(check_name="every_case_accepted", passed=not result.refused,
                             severity=dg.AssetCheckSeverity.WARN, metadata={"refused": dg.MetadataValue.md(refused_md)})])


@dg.multi_asset(
    specs=raw_specs("frame", "The optional population frame for survey weights"),
    can_subset=False,
    pool=WAREHOUSE_POOL,
)
@holding_warehouse_lock
def raw_frame(context: dg.AssetExecutionContext):
    """Ingest the population frame (an empty table when none is delivered)."""
    settings = get_settings()
    files, warnings = safe_files(settings.landing_dir, settings.landing_dir / "frame", "population_frame.csv")
    for warning in warnings:
        context.log.warning(warning)
    refusal_note = {}
    try:
        loaded, rows = read_frame(files[0] if files else None, settings.raw_dir)
        clear_refusal(settings.raw_dir, "frame")
    except SourceRefused as refusal:
        # The frame is optional: a broken one is reported and weighting is left out (NULL), not the run.
        context.log.warning(str(refusal))
        record_refusal(settings.raw_dir, "frame", "frame", refusal)
        loaded, rows = read_frame(None, settings.raw_dir)
        refusal_note = {"refused": f"{refusal.path}: {refusal.reason}"}
    yield from materialized("frame", {"frame_delivered": bool(loaded), "rows": rows, **refusal_note,
                                      **_files_metadata(loaded)}, [])
