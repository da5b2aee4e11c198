"""Writing a read wave to the raw layer (``raw/survey/wave=<id>/``), all or nothing.

Reads the tables ``ds``, ``rows`` and ``quarantine`` of the connection (see ``rules``) and the
wave's shape; writes respondents (keyed pseudonyms, never the id alone), answers in long form, the
quarantine, the variables with their concepts, labels, code translations, notes, dropped columns
and the file registry, into a folder that replaces the wave's last good one only when complete.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.folders import replace_folder
from orchestration.ingest.landing import LandingFile
from orchestration.ingest.pseudonym import hmac_sql
from orchestration.ingest.rawstore import copy_to_parquet, write_registry
from orchestration.ingest.survey.shape import WaveShape

# Bumped whenever the raw layout of a wave changes, so unchanged exports are read again after an upgrade.
RAW_FORMAT_VERSION = "4"


def _describe_tables(con: duckdb.DuckDBPyConnection, wave: WaveShape, dropped: list[str], notes: list[str]) -> None:
    """The small tables of a wave (variables, labels, code_map, dropped, notes) on ``con``."""
    identifying = wave.identifying
    con.execute("CREATE TABLE variables (variable VARCHAR, question VARCHAR, question_type VARCHAR, "
                "sub_type VARCHAR, kind VARCHAR, question_text VARCHAR, codes VARCHAR, choice_value VARCHAR, "
                "position INTEGER, is_system BOOLEAN, is_identifying BOOLEAN, concept VARCHAR, item INTEGER)")
    con.executemany("INSERT INTO variables VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        (v.name, v.question, v.question_type, v.sub_type, v.kind, v.text,
         ",".join(sorted(v.codes, key=lambda c: (len(c), c))), v.choice_value or None, v.position,
         v.system or v.name in wave.respondent.columns,
         # free text, the tool's e-mail and the study's identifying concepts stay in raw
         v.name in identifying or v.kind == "text" or v.question == "email",
         *wave.concepts.get(v.name, (None, None))) for v in wave.variables.values()])
    small = {
        "labels": ("variable VARCHAR, value VARCHAR, label VARCHAR",
                   [(v.name, code, label) for v in wave.variables.values() for code, label in v.labels]),
        "code_map": ("variable VARCHAR, value VARCHAR, contract_value INTEGER",
                     [(name, str(code), contract) for name, (concept, _item) in wave.concepts.items()
                      for code, contract in wave.study.codes.get(concept, {}).items()]),
        "dropped": ("variable VARCHAR", [(column,) for column in dropped]),
        "notes": ("note VARCHAR", [(note,) for note in notes]),
    }
    for table, (columns, rows) in small.items():
        con.execute(f"CREATE TABLE {table} ({columns})")
        if rows:
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


def write_wave(con: duckdb.DuckDBPyConnection, wave: WaveShape, wave_id: str, target: Path, key: bytes,
               files: list[LandingFile], dropped: list[str], notes: list[str], study_sha256: str) -> None:
    """Write the wave into ``target`` (replaced whole); ``key`` keys the pseudonyms."""
    _describe_tables(con, wave, dropped, notes)
    # In name order: with ds in line order and insertion order kept, the answers come out sorted by
    # (line, variable) without a sort of every answer (30 s a wave at 2.3 million invited).
    answer_vars = sorted(n for n in con.execute("DESCRIBE ds").df()["column_name"]
                         if n != "_line" and n not in wave.respondent.columns)
    unpivot_list = ", ".join(f'"{n}"' for n in answer_vars)
    wave_sql = f"'{wave_id}'"
    file_name = wave.dataset.name + ("#Dataset" if wave.dataset.suffix.lower() == ".xlsx" else "")
    with replace_folder(target) as out:
        copy_to_parquet(con, f"""
            SELECT {wave_sql} AS wave_id, r.line, TRY_CAST(r.respondentid AS BIGINT) AS respondentid,
                   {hmac_sql(key, f"{wave_sql} || ':' || coalesce(r.respondentid, '#' || r.line::VARCHAR)")}
                       AS respondent_key,
                   -- the organisation across waves: a keyed pseudonym of its id from the invitation
                   -- list, else of its name (never the id or the name itself)
                   CASE WHEN r.org_id IS NOT NULL THEN {hmac_sql(key, "'org_id:' || r.org_id")}
                        WHEN r.org_name_folded <> '' THEN {hmac_sql(key, "'org:' || r.org_name_folded")}
                        END AS org_key,
                   CASE WHEN r.org_id IS NOT NULL THEN 'org_id' WHEN r.org_name_folded <> '' THEN 'org_name'
                        END AS org_key_source,
                   r.statoverall,
                   timezone('Europe/Copenhagen', r.started_local) AS started_at,
                   timezone('Europe/Copenhagen', r.submitted_local) AS submitted_at,
                   CASE WHEN r.superseded THEN 'superseded' WHEN r.quarantined THEN 'quarantined'
                        ELSE 'current' END AS record_status
            FROM rows r ORDER BY r.line""", out / "respondents.parquet")
        answers = (f"""SELECT {wave_sql} AS wave_id, line, variable, value FROM (
                UNPIVOT (SELECT _line AS line, {unpivot_list} FROM ds)
                ON {unpivot_list} INTO NAME variable VALUE value)""" if answer_vars else
                   f"SELECT {wave_sql} AS wave_id, CAST(NULL AS BIGINT) AS line, CAST(NULL AS VARCHAR) AS "
                   "variable, CAST(NULL AS VARCHAR) AS value WHERE false")
        copy_to_parquet(con, answers, out / "answers.parquet")
        copy_to_parquet(con, f"""
            SELECT {wave_sql} AS wave_id, '{file_name}' AS file, q.line,
                   TRY_CAST(r.respondentid AS BIGINT) AS respondentid, q.variable, q.value, q.rule
            FROM quarantine q JOIN rows r USING (line) ORDER BY q.line, q.variable""",
            out / "quarantine.parquet")
        for table in ("variables", "labels", "code_map", "notes"):
            copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, * FROM {table}", out / f"{table}.parquet")
        copy_to_parquet(con, f"SELECT {wave_sql} AS wave_id, variable FROM dropped", out / "dropped_columns.parquet")
        write_registry(out, files, wave_id=wave_id, format_version=RAW_FORMAT_VERSION, study_sha256=study_sha256)
