"""The sample-export generator writes a tree in the contract's shape, deterministically."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest

from orchestration.reference import keys, kommune_codes
from orchestration.sample_exports import main, survey_variables, write_landing_tree


def read_cp1252(path):
    return list(csv.reader(io.StringIO(path.read_bytes().decode("cp1252"), newline=""), delimiter=";"))


def test_tree_has_every_file_of_the_contract(sample_tree):
    assert {p.relative_to(sample_tree).as_posix() for p in sample_tree.rglob("*") if p.is_file()} >= {
        "survey/wave=2020-06/dataset.csv", "survey/wave=2020-06/structure.csv", "survey/wave=2020-06/labels.csv",
        "survey/wave=2021-03/dataset.xlsx", "interviews/interview_log.xlsx", "frame/population_frame.csv",
        "cases/aarhus-ensomhed.json"}


def test_csv_export_is_windows_1252_semicolon_crlf(sample_tree):
    raw = (sample_tree / "survey/wave=2020-06/dataset.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # Danish letters in Windows-1252, not UTF-8
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    rows = read_cp1252(sample_tree / "survey/wave=2020-06/dataset.csv")
    header = rows[0]
    assert header[: len(survey_variables())] == survey_variables()
    assert "ip_address" in header  # a column the structure does not describe
    body = rows[1:]
    assert all(len(r) == len(header) for r in body)
    col = {name: i for i, name in enumerate(header)}
    assert any(r[col["kommune"]].startswith("0") for r in body)  # leading zeros
    assert any("\n" in r[col["q13_open"]] for r in body)  # quoted line breaks
    assert any(";" in r[col["q13_open"]] and "@" in (r[col["q13_open"]] + r[col["contact_email"]]) for r in body)
    ids = [r[col["respondentid"]] for r in body]
    assert len(ids) > len(set(ids))  # re-submissions
    assert any(r[col["q2"]] == "9" for r in body)  # "ved ikke"
    assert any(r[col["statoverall"]] == "3" for r in body)  # partial answers
    codes = {int(r[col["kommune"]]) for r in body if r[col["kommune"]].isdigit()}
    assert codes - {999} <= kommune_codes()


def test_structure_has_trailing_column_and_labels_no_header(sample_tree):
    structure = read_cp1252(sample_tree / "survey/wave=2020-06/structure.csv")
    assert structure[0][:7] == ["questionName", "variableName", "questionType", "subType", "questionText",
                                "choiceValue", "choiceText"]
    assert structure[0][7] == ""
    labels = read_cp1252(sample_tree / "survey/wave=2020-06/labels.csv")
    assert labels[0] == ["statoverall", "1", "Ny"]
    assert {r[0] for r in labels} >= {"q2", "q9_10", "q11_8"}


def test_excel_wave_and_interview_log(sample_tree):
    book = openpyxl.load_workbook(sample_tree / "survey/wave=2021-03/dataset.xlsx", read_only=True)
    assert book.sheetnames == ["Dataset", "Structure", "Labels"]
    header = next(book["Dataset"].iter_rows(values_only=True))
    assert set(header) == set(survey_variables()) | {"ip_address"} and list(header) != survey_variables()
    log = openpyxl.load_workbook(sample_tree / "interviews/interview_log.xlsx", read_only=True)
    assert log.sheetnames == ["Forside", "Interviews"]
    rows = list(log["Interviews"].iter_rows(values_only=True))
    assert rows[0][0] == "Interview-ID" and len(rows) > 30


def test_cases_use_reference_keys(sample_tree):
    for path in (sample_tree / "cases").glob("*.json"):
        case = json.loads(path.read_text(encoding="utf-8"))
        assert case["case_id"] == path.stem
        assert set(case["innovation_types"]) <= keys("innovation_types")
        assert set(case["barriers_overcome"]) <= keys("barriers")
        assert case["lead"]["type"] in keys("case_org_types")
        assert case["municipality_code"] in kommune_codes()


def test_calibrated_to_the_published_findings(tmp_path):
    tree = write_landing_tree(tmp_path / "big", invited=6000, seed=1, layout=1)
    rows = read_cp1252(tree / "survey/wave=2020-06/dataset.csv")
    col = {name: i for i, name in enumerate(rows[0])}
    done = [r for r in rows[1:] if r[col["statoverall"]] == "4"]
    share = lambda rs, var, yes: sum(r[col[var]] == yes for r in rs) / len(rs)  # noqa: E731
    assert 0.35 < len(done) / (len(rows) - 1) < 0.45
    assert 0.74 < share(done, "q2", "1") < 0.86
    innov = [r for r in done if r[col["q4"]]]
    assert 0.40 < share(innov, "q4", "1") < 0.54
    assert 0.20 < share(done, "q6", "1") < 0.30
    more = [r for r in done if r[col["q6"]] == "1" and r[col["q12"]]]
    assert 0.55 < share(more, "q12", "1") < 0.69


def test_deterministic_for_a_seed(tmp_path):
    a = write_landing_tree(tmp_path / "a", invited=300, seed=3)
    b = write_landing_tree(tmp_path / "b", invited=300, seed=3)
    for path in a.rglob("*"):
        if path.is_file() and path.suffix != ".xlsx":
            assert path.read_bytes() == (b / path.relative_to(a)).read_bytes(), path
        elif path.suffix == ".xlsx":
            book_a = openpyxl.load_workbook(path, read_only=True)
            book_b = openpyxl.load_workbook(b / path.relative_to(a), read_only=True)
            for sheet in book_a.sheetnames:
                assert list(book_a[sheet].iter_rows(values_only=True)) == \
                       list(book_b[sheet].iter_rows(values_only=True))
    c = write_landing_tree(tmp_path / "c", invited=300, seed=4)
    assert (c / "survey/wave=2020-06/dataset.csv").read_bytes() != (a / "survey/wave=2020-06/dataset.csv").read_bytes()


def test_cli_refuses_a_filled_folder(tmp_path):
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--invited", "10"])
    assert (tmp_path / "x").read_text() == "keep me"


def read_utf16_tab(path):
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-16"), newline=""), delimiter="\t"))


def test_layout_2_is_written_as_surveyxact_writes_it(sample_tree_layout2):
    first, later = sample_tree_layout2 / "survey/wave=2020-06", sample_tree_layout2 / "survey/wave=2021-03"
    # the international CSV export: UTF-16 LE with BOM, tab, named like the tool's REST export
    assert sorted(p.name for p in first.iterdir()) == ["dataset.csv", "labels_da.csv", "structure_da.csv"]
    assert (first / "dataset.csv").read_bytes()[:2] == b"\xff\xfe"
    rows = read_utf16_tab(first / "dataset.csv")
    header = rows[0]
    assert all(len(name) <= 8 for name in header)  # the tool's short names
    assert header[:6] == ["responde", "stato_1", "stato_2", "stato_3", "stato_4", "stato_5"]
    assert "statoverall" not in header and "org_name" not in header and "s_8" in header
    col = {name: i for i, name in enumerate(header)}
    assert all(sum(int(r[col[f"stato_{c}"]]) for c in range(1, 6)) == 1 for r in rows[1:])
    assert any(r[col["closetim"]][:4] == "2020" and r[col["closetim"]][4] == "-" for r in rows[1:])  # ISO
    assert any(r[col["s_10"]] == "99" for r in rows[1:])  # this questionnaire's "Ved ikke"
    structure = read_utf16_tab(first / "structure_da.csv")
    assert structure[0][:7] == ["questionName", "variableName", "questionType", "subType", "questionText",
                                "choiceValue", "choiceText"] and structure[0][7] == ""
    by_var = {r[1]: r for r in structure[1:]}
    assert by_var["s_8"][2:4] == ["Closed", "Single"] and by_var["s_8"][5] == ""  # codes only in the labels
    assert by_var["responde"][:4] == ["respondentid", "responde", "Open", "Double"]
    # one option list whose choiceValues are not in position order
    assert [by_var[f"s_13_{k}"][5] for k in (1, 2, 3)] == ["2", "3", "4"]
    labels = (first / "labels_da.csv").read_bytes().decode("utf-16")
    assert '"s_8"\t1\t' in labels  # quoted, as the tool writes them
    # the later wave: the Excel export under the tool's file name, with its five sheets in order
    (book_path,) = later.iterdir()
    assert book_path.name.startswith("dataset_1488637_") and book_path.suffix == ".xlsx"
    book = openpyxl.load_workbook(book_path, read_only=True)
    assert book.sheetnames == ["Labels", "Variables", "Dataset", "Complete", "Structure"]
    head, first_row = list(book["Dataset"].iter_rows(values_only=True, max_row=2))
    assert isinstance(first_row[head.index("created")], dt.datetime)  # timestamps as date cells
    complete = list(book["Complete"].iter_rows(values_only=True, max_row=2))[1]
    assert any(isinstance(v, str) and v in ("Frivillig social forening eller organisation", "Kommunalt socialt tilbud")
               for v in complete)  # label texts instead of codes


def test_the_follow_up_wave_re_invites_the_first_waves_organisations(tmp_path):
    """Most of the follow-up wave's invitation list are the first wave's organisations (same id, type,
    name and place), and one that answered both mostly answers as before: the panel shows persistence.
    Generated in chunks of its own (more than one chunk here), each drawing the first wave's again."""
    from orchestration import sample_exports

    sample_exports.CHUNK_ROWS, chunk = 700, sample_exports.CHUNK_ROWS
    try:
        tree = write_landing_tree(tmp_path / "t", invited=3000, seed=5, layout=1, csv_only=True)
    finally:
        sample_exports.CHUNK_ROWS = chunk
    waves = []
    for wave in ("2020-06", "2021-03"):
        rows = list(csv.DictReader(io.StringIO((tree / f"survey/wave={wave}/dataset.csv").read_text("utf-8"),
                                               newline=""), delimiter=";"))
        waves.append({r["org_id"]: r for r in rows if r["org_id"]})
    first, later = waves
    again = set(first) & set(later)
    assert 0.7 * 2400 < len(again) < 0.76 * 2400 and len(later) > len(again) + 500  # and new organisations
    answered = [i for i in again if first[i]["statoverall"] in ("3", "4") and later[i]["statoverall"] in ("3", "4")]
    assert all(later[i]["org_type"] == first[i]["org_type"] and later[i]["org_name"] == first[i]["org_name"]
               for i in answered)
    assert all(later[i]["kommune"].lstrip("0") == first[i]["kommune"].lstrip("0") for i in answered
               if "999" not in (later[i]["kommune"], first[i]["kommune"]))  # 999: a row fault of the quarantine
    both = [(first[i]["q2"], later[i]["q2"]) for i in again
            if first[i]["statoverall"] == later[i]["statoverall"] == "4" and first[i]["q2"] and later[i]["q2"]]
    assert len(both) > 200
    kept = sum(a == "1" and b == "1" for a, b in both) / sum(a == "1" for a, _b in both)
    gained = sum(a != "1" and b == "1" for a, b in both) / sum(a != "1" for a, _b in both)
    assert kept > gained + 0.3  # independent waves would give about the same share
