"""The survey reader's parts, each alone: structure rows, the wave's shape, loading a dataset, the
row rules, re-submissions and the threshold, on rows and tables made in the test (no wave folder)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.errors import SourceRefused
from orchestration.ingest.survey.export import load_dataset
from orchestration.ingest.survey.rules import RowCounts, check_threshold, find_faults, resolve_rows
from orchestration.ingest.survey.shape import WaveShape, shape_notes
from orchestration.ingest.survey.structure import layout_of, parse_structure, respondent_columns
from orchestration.study import study_for

HEADER = ["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue", "choiceText"]
STRUCTURE = Path("structure.csv")


def layout2_rows() -> list[list[str]]:
    """A layout-2 structure: id, two status dummies, a close time, a closed question, a municipality."""
    return [HEADER,
            ["respondentid", "respondentid", "Open", "Number", "", "", ""],
            ["statoverall", "statoverall_3", "Closed", "Multiple", "", "3", "Delvist"],
            ["statoverall", "statoverall_4", "Closed", "Multiple", "", "4", "Gennemført"],
            ["closeTime", "closeTime", "Open", "DateTime", "", "", ""],
            ["q1", "q1", "Closed", "Single", "Innovation?", "", ""],
            ["kommune", "kommune", "Background", "Single", "Kommune", "", ""],
            ["q9", "q9", "Matrix", "Strange", "", "", ""]]


LABELS = [["q1", "1.0", "Ja"], ["q1", "2", "Nej"]]  # the municipality unlabelled: the reference list checks it


def test_structure_rows_give_variables_codes_and_the_layout():
    variables = parse_structure(layout2_rows(), LABELS, STRUCTURE)
    assert list(variables)[:3] == ["respondentid", "statoverall_3", "statoverall_4"]
    assert variables["q1"].codes == {"1", "2"}  # a workbook's 1.0 is the code 1
    assert variables["statoverall_4"].codes == {"0", "1"}  # a dummy without labels is chosen or not
    assert variables["q9"].kind == "text" and variables["closeTime"].kind == "timestamp"
    assert layout_of(variables) == 2
    layout1 = parse_structure([HEADER, ["statoverall", "statoverall", "Closed", "Single", "", "", ""]], [], STRUCTURE)
    assert layout_of(layout1) == 1


@pytest.mark.parametrize(("rows", "labels", "message"), [
    ([], [], "is empty"),
    ([HEADER[:-1]], [], "lacks the column 'choiceText'"),
    ([HEADER, ["q1", "", "Closed", "Single", "", "", ""]], [], "line 2 has no variableName"),
    ([HEADER], [["q1", "1"]], "labels row 1 is not variableName;value;valueLabel"),
])
def test_a_broken_structure_is_refused_with_file_and_line(rows, labels, message):
    with pytest.raises(SourceRefused, match=message) as refusal:
        parse_structure(rows, labels, STRUCTURE)
    assert refusal.value.path == "structure.csv"


def test_respondent_columns_of_layout2_and_a_bad_status_option():
    variables = parse_structure(layout2_rows(), LABELS, STRUCTURE)
    who = respondent_columns(variables, 2, STRUCTURE)
    assert who.id == "respondentid" and who.submitted == "closeTime" and who.started is None
    assert who.status_dummies == ((3, "statoverall_3"), (4, "statoverall_4"))
    bad = layout2_rows() + [["statoverall", "statoverall_9", "Closed", "Multiple", "", "9", "?"]]
    with pytest.raises(SourceRefused, match="statoverall option 'statoverall_9' has choiceValue '9'"):
        respondent_columns(parse_structure(bad, LABELS, STRUCTURE), 2, STRUCTURE)


def test_shape_notes_name_a_missing_status_and_id_and_odd_variables():
    rows = [r for r in layout2_rows() if r[0] not in ("statoverall", "respondentid")]
    variables = parse_structure(rows, [["kommune", "101", "København"]], STRUCTURE)
    notes = shape_notes(variables, 2, respondent_columns(variables, 2, STRUCTURE))
    assert notes == ["no statoverall in the export: every row counts as completed",
                     "no respondentid in the export: rows are identified by their line",
                     "variable q1: no labels, read as unlabelled codes",
                     "variable q9: unknown type Matrix/Strange, read as free text"]


def wave_on(con: duckdb.DuckDBPyConnection, tmp_path: Path, lines: list[str]) -> WaveShape:
    """Load ``lines`` (a dataset under the layout-2 structure above) into ``ds``; the wave's shape."""
    dataset = tmp_path / "dataset.csv"
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load_dataset(con, dataset, ";", lines[0].split(";"), dataset)
    variables = parse_structure(layout2_rows(), LABELS, STRUCTURE)
    return WaveShape(variables, dataset, 2, respondent_columns(variables, 2, dataset), study_for(None, 2).for_wave("w1"),
                     {}, "kommune", None, None)


HEAD = "respondentid;statoverall_3;statoverall_4;closeTime;q1;kommune;q9;extra"


def test_load_dataset_counts_physical_lines_and_refuses_a_repeated_column(tmp_path):
    con = duckdb.connect()
    wave_on(con, tmp_path, [HEAD, '1;0;1;01-06-2020 10:00:00;1;101;"two\nlines";x', "2;0;1;;2;751;;"])
    assert con.execute("SELECT _line, respondentid, q9 FROM ds ORDER BY _line").fetchall() == [
        (2, "1", "two\nlines"), (4, "2", None)]  # the quoted break moves record 2 to line 4; '' is NULL
    with pytest.raises(SourceRefused, match="has the column 'q1' more than once"):
        load_dataset(duckdb.connect(), tmp_path / "dataset.csv", ";", ["q1", "q1"], tmp_path / "dataset.csv")


def test_row_rules_quarantine_each_fault_with_its_line_and_rule(tmp_path):
    con = duckdb.connect()
    wave = wave_on(con, tmp_path, [
        HEAD,
        "1;0;1;01-06-2020 10:00:00;1;0101;;",  # clean (a municipality with a leading zero)
        "2;0;1;2020-06-01 11:00:00;7;101;;",  # a code the labels do not know
        "3;0;1;yesterday;x;999;;",  # a bad timestamp, a non-numeric code, an unknown municipality
        "4;1;1;;1;101;;",  # two status dummies set
    ])
    dropped = find_faults(con, wave)
    assert dropped == ["extra"]
    assert con.execute("SELECT line, variable, rule FROM quarantine ORDER BY line, variable").fetchall() == [
        (3, "q1", "unknown_code"),
        (4, "closeTime", "bad_timestamp"), (4, "kommune", "unknown_municipality"), (4, "q1", "non_numeric"),
        (5, "statoverall", "status_not_exactly_one")]


def test_a_described_variable_missing_from_the_dataset_refuses_it(tmp_path):
    con = duckdb.connect()
    wave = wave_on(con, tmp_path, ["respondentid;statoverall_3;statoverall_4;closeTime;q1;kommune", "1;0;1;;1;101"])
    with pytest.raises(SourceRefused, match="lacks the variable 'q9' that the structure names"):
        find_faults(con, wave)


def test_resubmissions_keep_the_latest_and_drop_the_superseded_faults(tmp_path):
    con = duckdb.connect()
    wave = wave_on(con, tmp_path, [
        HEAD,
        "1;0;1;01-06-2020 10:00:00;7;101;;",  # faulty, then submitted again later
        "1;0;1;02-06-2020 10:00:00;1;101;;",
        "2;1;0;01-06-2020 12:00:00;1;101;;",  # partly completed
        "3;0;1;01-06-2020 12:00:00;9;101;;",  # faulty
    ])
    find_faults(con, wave)
    counts = resolve_rows(con, wave)
    assert counts == RowCounts(read=4, answered=3, quarantined=1, superseded=1)
    assert con.execute("SELECT line, statoverall, superseded, quarantined FROM rows ORDER BY line").fetchall() == [
        (2, 4, True, True), (3, 4, False, False), (4, 3, False, False), (5, 4, False, True)]
    assert con.execute("SELECT line FROM quarantine").fetchall() == [(5,)]
    check_threshold(con, counts, 0.5, wave.dataset)  # 1 of 3 is under half
    with pytest.raises(SourceRefused, match=r"1 quarantined rows are 33.3% of 3 answered rows, above the 20% "
                                            r"threshold \(q1: unknown_code\)"):
        check_threshold(con, counts, 0.2, wave.dataset)
