"""Layout 2 (sources.md 1b): what SurveyXact really writes, with exports made in the test and the
two real exports of tests/data/real (MIT-licensed, see their LICENSE files)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.errors import SourceRefused
from orchestration.ingest.survey import WaveReader

KEY = b"test-key"
REAL = Path(__file__).parent / "data" / "real"
HEADER = ["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue", "choiceText"]
SYSTEM = [  # (question, variable, type, subtype, choiceValue)
    ("respondentid", "responde", "Open", "Double", ""),
    *[("statoverall", f"stato_{c}", "Closed", "Multiple", str(c)) for c in range(1, 6)],
    ("modified", "modified", "Open", "Date", ""),
    ("closeTime", "closetim", "Open", "Date", ""),
    ("startTime", "starttim", "Open", "Date", ""),
    ("email", "email", "Open", "String", ""),
]
QUESTIONS = [
    ("s_1", "s_1", "Closed", "Single", "", {"1": "Forening", "2": "Kommunalt tilbud"}),
    ("s_2", "s_2", "Closed", "Single", "", {"1": "Ja, markante", "2": "Ja, mindre", "3": "Nej", "99": "Ved ikke"}),
    ("s_3", "s_3_1", "Closed", "Multiple", "3", {}),  # the option's identity is its choiceValue
    ("s_3", "s_3_2", "Closed", "Multiple", "1", {}),
    ("s_4", "s_4", "Open", "Double", "", {}),
    ("s_5", "s_5", "Open", "String", "", {}),
    ("s_6", "s_6", "Closed", "Single", "", {"-7": "Keine Angabe", "1": "Ja"}),
    ("s_7", "s_7_1", "Closed", "Single", "", {"1": "1", "2": "2", "9": "Ved ikke"}),  # a matrix of two items
    ("s_7", "s_7_2", "Closed", "Single", "", {"1": "1", "2": "2", "9": "Ved ikke"}),
]
STUDY = """study: test
questions:
  org_type: s_1
  innovation: s_2
  partner_types: s_3
  barriers: s_7
codes:
  innovation: {99: 9}
"""


def study_file(tmp_path: Path, text: str = STUDY) -> Path:
    path = tmp_path / "study.yml"
    path.write_text(text, encoding="utf-8")
    return path


def respondent(rid: int | None = None, status: int = 4, **values) -> dict:
    """A layout-2 dataset row by variable name (status as its five dummies)."""
    row = {f"stato_{c}": str(int(c == status)) for c in range(1, 6)}
    row.update({"responde": "" if rid is None else str(rid), "modified": "2020-06-12 10:30:00",
                "closetim": "2020-06-12 10:20:00" if status == 4 else "", "starttim": "2020-06-12 10:00:00",
                "email": "ole@example.dk", "s_1": "1", "s_2": "1", "s_3_1": "1", "s_3_2": "0", "s_4": "135.407",
                "s_5": "Ring til Ole på 12 34 56 78", "s_6": "-7", "s_7_1": "2", "s_7_2": "9"})
    row.update({k: str(v) for k, v in values.items()})
    return row


def write_export(folder: Path, rows: list[dict], encoding: str = "utf-16", delimiter: str = "\t",
                 names: tuple[str, str, str] = ("dataset.csv", "structure_da.csv", "labels_da.csv"),
                 system=SYSTEM, questions=QUESTIONS, drop: set[str] = frozenset()) -> Path:
    """A layout-2 CSV export (by default the international format: UTF-16 LE, tab)."""
    folder.mkdir(parents=True, exist_ok=True)
    structure = [HEADER + [""]] + [[q, v, t, s, f"Tekst {q}", c, "", ""] for q, v, t, s, c in system
                                  if v not in drop]
    structure += [[q, v, t, s, f"Tekst {q} - {v}", c, "", ""] for q, v, t, s, c, _ in questions if v not in drop]
    labels = [[v, code, text] for q, v, t, s, c, codes in questions if v not in drop for code, text in codes.items()]
    # labels may end in spaces; a multiple-choice question without labels (s_3) has 0/1 implied
    labels += [[v, code, text] for q, v, t, s, c in system if s == "Multiple" and v not in drop
               for code, text in (("0", "Ikke valgt "), ("1", "Valgt "))]
    columns = [r[1] for r in structure[1:]]
    tables = {names[0]: [columns] + [[row.get(c, "") for c in columns] for row in rows],
              names[1]: structure, names[2]: labels}
    for name, records in tables.items():
        with open(folder / name, "w", encoding=encoding, newline="") as handle:
            quoting = csv.QUOTE_NONNUMERIC if name == names[2] and delimiter == "\t" else csv.QUOTE_MINIMAL
            csv.writer(handle, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerows(records)
    return folder


def read(landing: Path, data: Path, study: Path, wave: str = "2020-06", threshold: float = 0.05):
    return WaveReader(wave, landing / "survey" / f"wave={wave}", data / "raw", data / "work", KEY, threshold,
                      study=study).read()


def raw(data: Path, table: str, columns: str = "*", wave: str = "2020-06") -> list[tuple]:
    path = data / "raw" / "survey" / f"wave={wave}" / f"{table}.parquet"
    with duckdb.connect() as con:
        return con.execute(f"SELECT {columns} FROM read_parquet('{path}') ORDER BY ALL").fetchall()


@pytest.fixture
def wave_dir(dirs):
    return dirs[0] / "survey" / "wave=2020-06"


# -- the real exports -----------------------------------------------------------------------------

def test_real_workbook_reads_as_three_completed_rows_with_generic_outputs(dirs, tmp_path):
    landing, data = dirs
    shutil.copytree(REAL / "sdu-excel", landing / "survey" / "wave=2018-05", ignore=shutil.ignore_patterns("*.md"))
    result = read(landing, data, study_file(tmp_path, "study: generic\n"), wave="2018-05")
    assert (result.rows_read, result.rows_answered, result.rows_quarantined, result.layout) == (3, 3, 0, 2)
    assert raw(data, "respondents", "statoverall, record_status", "2018-05") == [(4, "current")] * 3
    assert "no respondentid in the export: rows are identified by their line" in result.notes
    flags = dict(((v, (s, i)) for v, s, i in raw(data, "variables", "variable, is_system, is_identifying", "2018-05")))
    assert flags["s_3"] == (False, True) and flags["stato_4"] == (True, False) and flags["s_1"] == (False, False)
    answers = {(line, var): value for line, var, value in raw(data, "answers", "line, variable, value", "2018-05")}
    assert answers[(2, "s_1")] == "1" and answers[(3, "s_8")] == "5"  # floats of the workbook are codes


def test_real_international_export_refuses_on_its_unknown_codes(dirs, tmp_path):
    landing, data = dirs
    folder = landing / "survey" / "wave=2021-09"
    shutil.copytree(REAL / "laravel-sx-api", folder, ignore=shutil.ignore_patterns("*.md"))
    generic = study_file(tmp_path, "study: generic\n")
    for threshold in (0.05, 0.6):  # two completed rows, both with s_4 = 0: 100 % of the answered rows
        with pytest.raises(SourceRefused) as refused:
            read(landing, data, generic, "2021-09", threshold)
        assert "2 quarantined rows" in refused.value.reason and "s_4: unknown_code" in refused.value.reason
        assert refused.value.path == str(folder / "dataset.csv")
    result = read(landing, data, generic, "2021-09", threshold=1.0)
    assert (result.rows_read, result.rows_answered, result.rows_quarantined) == (4, 2, 2)
    assert raw(data, "quarantine", "line, variable, value, rule", "2021-09") == [
        (2, "s_4", "0", "unknown_code"), (4, "s_4", "0", "unknown_code")]
    # the status from the stato_1..5 dummies, ISO timestamps, the short names kept as the export has them
    assert raw(data, "respondents", "line, statoverall, record_status, respondentid", "2021-09") == [
        (2, 4, "quarantined", 825478429), (3, 2, "current", 825478569), (4, 4, "quarantined", 825479792),
        (5, 2, "current", 834262051)]
    assert raw(data, "respondents", "strftime(started_at AT TIME ZONE 'Europe/Copenhagen', '%Y-%m-%d %H:%M')",
               "2021-09")[0] == ("2021-09-02 18:50",)
    flags = dict(((v, (s, i)) for v, s, i in raw(data, "variables", "variable, is_system, is_identifying", "2021-09")))
    assert flags["email"] == (True, True) and flags["responde"] == (True, False) and flags["organiza"][0]
    assert flags["stat_1"][0] and flags["digit_1"][0]  # the tool's bookkeeping


# -- files of a wave --------------------------------------------------------------------------------

def test_csv_files_are_found_by_prefix_whatever_their_case(dirs, tmp_path, wave_dir):
    landing, data = dirs
    write_export(wave_dir, [respondent(1)], names=("Dataset.csv", "STRUCTURE_en.csv", "labels_DA.csv"))
    assert read(landing, data, study_file(tmp_path)).rows_read == 1


@pytest.mark.parametrize("extra,why", [
    ("dataset_old.csv", "2 dataset files"), ("export.xlsx", "both a workbook"), ("two.xlsx", "2 workbooks")])
def test_an_ambiguous_folder_is_refused(dirs, tmp_path, wave_dir, extra, why):
    landing, data = dirs
    if extra == "two.xlsx":
        wave_dir.mkdir(parents=True)
        for name in ("one.xlsx", "two.xlsx"):
            openpyxl.Workbook().save(wave_dir / name)
    else:
        write_export(wave_dir, [respondent(1)])
        (wave_dir / extra).write_bytes((wave_dir / "dataset.csv").read_bytes())
    with pytest.raises(SourceRefused) as refused:
        read(landing, data, study_file(tmp_path))
    assert why in refused.value.reason and "ambiguous" in refused.value.reason
    assert not (data / "raw" / "survey" / "wave=2020-06").exists()


def write_workbook(path: Path, rows: list[dict], sheets=("Labels", "Variables", "Dataset", "Complete", "Structure"),
                   structure_header=HEADER) -> None:
    """A layout-2 workbook as the tool writes it: numbers as floats, timestamps as date cells."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    names = [v for _q, v, *_ in SYSTEM] + [v for _q, v, *_ in QUESTIONS]
    for sheet in sheets:
        ws = book.create_sheet(sheet)
        if sheet == "Labels":
            for _q, v, _t, _s, _c, codes in QUESTIONS:
                for code, text in codes.items():
                    ws.append([v, float(code), text])
        elif sheet in ("Dataset", "Complete"):
            ws.append(names)
            for row in rows:
                ws.append([_cell(row.get(n, "")) for n in names])
        elif sheet == "Structure":
            ws.append(structure_header)
            for q, v, t, s, c, *_ in [*SYSTEM, *QUESTIONS]:
                ws.append([q, v, t, s, f"Tekst {q}", float(c) if c else None, None])
    book.save(path)


def _cell(value: str):
    if not value:
        return None
    if value[:4].isdigit() and value[4:5] == "-":
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
    try:
        return float(value)
    except ValueError:
        return value


def test_workbook_under_any_name_with_date_cells(dirs, tmp_path, wave_dir):
    landing, data = dirs
    wave_dir.mkdir(parents=True)
    write_workbook(wave_dir / "dataset_1488637_20200612_1825827966544069436.xlsx",
                   [respondent(11), respondent(12, s_2="99")])
    result = read(landing, data, study_file(tmp_path))
    assert (result.rows_read, result.rows_quarantined, result.encoding) == (2, 0, "xlsx")
    assert raw(data, "respondents", "respondentid, statoverall, "
                                    "strftime(submitted_at AT TIME ZONE 'Europe/Copenhagen', '%d-%m-%Y %H:%M:%S')") == [
        (11, 4, "12-06-2020 10:20:00"), (12, 4, "12-06-2020 10:20:00")]
    assert ("dataset_1488637_20200612_1825827966544069436.xlsx",) in raw(data, "files", "file_name")


@pytest.mark.parametrize("missing", ["Dataset", "Structure"])
def test_a_workbook_without_its_sheet_is_refused(dirs, tmp_path, wave_dir, missing):
    landing, data = dirs
    wave_dir.mkdir(parents=True)
    write_workbook(wave_dir / "export.xlsx", [respondent(1)],
                   sheets=[s for s in ("Labels", "Variables", "Dataset", "Complete", "Structure") if s != missing])
    with pytest.raises(SourceRefused) as refused:
        read(landing, data, study_file(tmp_path))
    assert f"no sheet named '{missing}'" in refused.value.reason and Path(refused.value.path).name == "export.xlsx"


def test_a_structure_without_question_name_is_refused(dirs, tmp_path, wave_dir):
    landing, data = dirs
    wave_dir.mkdir(parents=True)
    write_workbook(wave_dir / "export.xlsx", [respondent(1)], structure_header=["name", *HEADER[1:]])
    with pytest.raises(SourceRefused) as refused:
        read(landing, data, study_file(tmp_path))
    assert "lacks the column 'questionName'" in refused.value.reason


@pytest.mark.parametrize("encoding,delimiter", [("cp1252", ";"), ("cp1252", ","), ("utf-16", "\t"),
                                                ("utf-8-sig", ";"), ("utf-8", "\t")])
def test_each_export_format_reads_the_same(dirs, tmp_path, wave_dir, encoding, delimiter):
    landing, data = dirs
    write_export(wave_dir, [respondent(1, s_5="Åse – “walk & talk”; € 200"),
                            respondent(2, closetim="12-06-2020 11:00:00", starttim="12-06-2020 10:40:00")],
                 encoding=encoding, delimiter=delimiter)
    result = read(landing, data, study_file(tmp_path))
    assert (result.rows_read, result.rows_quarantined) == (2, 0)
    answers = {(line, var): value for line, var, value in raw(data, "answers", "line, variable, value")}
    assert answers[(2, "s_5")] == "Åse – “walk & talk”; € 200" and answers[(2, "s_4")] == "135.407"
    # ISO (the international export) and Danish timestamps are both the tool's
    assert raw(data, "respondents", "strftime(submitted_at AT TIME ZONE 'Europe/Copenhagen', '%H:%M')") == [
        ("10:20",), ("11:00",)]


# -- respondents ------------------------------------------------------------------------------------

def test_status_is_the_dummy_that_is_one_and_two_ones_are_a_row_fault(dirs, tmp_path, wave_dir):
    landing, data = dirs
    rows = [respondent(i) for i in range(1, 40)] + [respondent(50, status=2), respondent(51, status=3),
                                                    respondent(52, stato_2="1")]
    write_export(wave_dir, rows)
    result = read(landing, data, study_file(tmp_path))
    statuses = dict(raw(data, "respondents", "respondentid, statoverall"))
    assert (statuses[50], statuses[51], statuses[1]) == (2, 3, 4)
    assert raw(data, "quarantine", "respondentid, variable, rule") == [(52, "statoverall", "status_not_exactly_one")]
    assert statuses[52] is None and result.rows_answered == 40


def test_without_statoverall_every_row_is_completed_and_the_report_says_so(dirs, tmp_path, wave_dir):
    landing, data = dirs
    write_export(wave_dir, [respondent(1), respondent(2, status=2)], drop={f"stato_{c}" for c in range(1, 6)})
    result = read(landing, data, study_file(tmp_path))
    assert raw(data, "respondents", "statoverall") == [(4,), (4,)]
    assert "no statoverall in the export: every row counts as completed" in result.notes
    assert ("no statoverall in the export: every row counts as completed",) in raw(data, "notes", "note")


def test_without_respondentid_rows_are_identified_by_line(dirs, tmp_path, wave_dir):
    landing, data = dirs
    write_export(wave_dir, [respondent(), respondent()], drop={"responde"})
    result = read(landing, data, study_file(tmp_path))
    keys = raw(data, "respondents", "line, respondentid, respondent_key, record_status")
    assert [(line, rid, status) for line, rid, _k, status in keys] == [(2, None, "current"), (3, None, "current")]
    assert keys[0][2] != keys[1][2]
    assert "no respondentid in the export: rows are identified by their line" in result.notes


def test_a_repeated_respondent_latest_modified_then_close_time_wins(dirs, tmp_path, wave_dir):
    landing, data = dirs
    write_export(wave_dir, [
        respondent(7, modified="2020-06-13 09:00:00", s_2="1"),  # latest modified: wins
        respondent(7, modified="2020-06-12 09:00:00", s_2="2"),
        respondent(8, modified="2020-06-12 09:00:00", closetim="2020-06-12 10:20:00", s_2="2"),
        respondent(8, modified="2020-06-12 09:00:00", closetim="2020-06-12 11:20:00", s_2="3"),  # same modified
    ])
    result = read(landing, data, study_file(tmp_path))
    assert result.rows_superseded == 2
    assert raw(data, "respondents", "line, record_status") == [
        (2, "current"), (3, "superseded"), (4, "superseded"), (5, "current")]


# -- values -----------------------------------------------------------------------------------------

def test_numbers_dates_and_codes_are_checked_each_by_its_rule(dirs, tmp_path, wave_dir):
    landing, data = dirs
    rows = [respondent(i) for i in range(1, 60)] + [
        respondent(61, s_4="12,5"), respondent(62, s_4="-3.25"), respondent(63, starttim="i går"),
        respondent(64, s_2="4"), respondent(65, s_6="-8"), respondent(66, s_3_1="2")]
    write_export(wave_dir, rows)
    result = read(landing, data, study_file(tmp_path), threshold=0.2)
    assert raw(data, "quarantine", "respondentid, variable, value, rule") == [
        (61, "s_4", "12,5", "not_a_number"), (63, "starttim", "i går", "bad_timestamp"),
        (64, "s_2", "4", "unknown_code"), (65, "s_6", "-8", "unknown_code"), (66, "s_3_1", "2", "unknown_code")]
    assert result.rows_quarantined == 5  # -3.25 is a number, -7 a labelled code


def test_a_closed_variable_without_labels_holds_unlabelled_integer_codes(dirs, tmp_path, wave_dir):
    landing, data = dirs
    questions = [*QUESTIONS, ("s_8", "s_8", "Closed", "Single", "", {})]
    write_export(wave_dir, [respondent(i, s_8=str(100 + i)) for i in range(1, 30)] + [respondent(40, s_8="x")],
                 questions=questions)
    result = read(landing, data, study_file(tmp_path))
    assert raw(data, "quarantine", "respondentid, variable, rule") == [(40, "s_8", "non_numeric")]
    assert "variable s_8: no labels, read as unlabelled codes" in result.notes


def test_an_unknown_type_is_free_text_and_named(dirs, tmp_path, wave_dir):
    landing, data = dirs
    questions = [*QUESTIONS, ("s_9", "s_9", "Open", "Geo", "", {})]
    write_export(wave_dir, [respondent(1, s_9="55.6,12.5")], questions=questions)
    result = read(landing, data, study_file(tmp_path))
    assert "variable s_9: unknown type Open/Geo, read as free text" in result.notes
    assert ("s_9", "text", True) in raw(data, "variables", "variable, kind, is_identifying")


def test_concepts_items_and_codes_come_from_the_study_definition(dirs, tmp_path, wave_dir):
    landing, data = dirs
    write_export(wave_dir, [respondent(1)])
    text = STUDY + "items:\n  partner_types: {3: 4}\n"
    read(landing, data, study_file(tmp_path, text))
    concepts = {v: (c, i) for v, c, i in raw(data, "variables", "variable, concept, item")}
    # s_3_1 carries choiceValue 3 (mapped to reference item 4), s_3_2 choiceValue 1; a matrix item is its position
    assert concepts["s_3_1"] == ("partner_types", 4) and concepts["s_3_2"] == ("partner_types", 1)
    assert concepts["s_7_1"] == ("barriers", 1) and concepts["s_7_2"] == ("barriers", 2)
    assert concepts["s_2"] == ("innovation", None) and concepts["s_5"] == (None, None)
    assert raw(data, "code_map", "variable, value, contract_value") == [("s_2", "99", 9)]


def test_system_and_free_text_variables_never_leave_raw(dirs, tmp_path, wave_dir):
    landing, data = dirs
    write_export(wave_dir, [respondent(1)])
    read(landing, data, study_file(tmp_path))
    flags = {v: (s, i) for v, s, i in raw(data, "variables", "variable, is_system, is_identifying")}
    assert flags["email"] == (True, True) and flags["s_5"] == (False, True)
    assert all(flags[f"stato_{c}"][0] for c in range(1, 6)) and flags["modified"][0] and flags["closetim"][0]
    assert not any(flags[v] != (False, False) for v in ("s_1", "s_2", "s_3_1", "s_4", "s_6", "s_7_1"))
