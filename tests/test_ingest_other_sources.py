"""The interview log, the case files, the population frame and the landing zone's hazards."""

from __future__ import annotations

import json
import os
import zipfile

import duckdb
import openpyxl
import pytest

from conftest import fetch
from orchestration.ingest.cases import read_cases
from orchestration.errors import SourceRefused
from orchestration.ingest.excel import open_workbook
from orchestration.ingest.frame import read_frame
from orchestration.ingest.interviews import COLUMNS, read_interview_log
from orchestration.ingest.landing import discover_waves, safe_files
from orchestration.publish.method_tables import write_ingestion_issues

KEY = b"test-key"
ROW = ["I-001", None, "AHB", "Lars Pedersen", "lars@example.dk", "12 34 56 78", "VIVE", " KOMMUNE ", "Direktør",
       "Innovation,  partnerskaber , Ukendt tema", 45, "Ja", "Gennemført"]


def write_log(path, rows, sheet="Interviews", columns=COLUMNS):
    book = openpyxl.Workbook()
    book.active.title = "Forside"
    target = book.create_sheet(sheet)
    target.append(list(columns))
    for row in rows:
        target.append(row)
    book.save(path)
    return path


def parquet(data, path):
    return fetch(f"SELECT * FROM read_parquet('{data / 'raw' / path}')")


def test_interview_labels_matched_loosely_and_consent_respected(dirs):
    landing, data = dirs
    no_consent = ["I-002", None, "AHB", "Anne Hansen", "anne@example.dk", "87 65 43 21", "KL", "Stat", "Leder",
                  "Ledelse", 30, "Nej", "Gennemført"]
    path = write_log(landing / "log.xlsx", [ROW, no_consent])
    result = read_interview_log(path, data / "raw", KEY)
    assert result.rows_read == 2 and result.without_consent == 1
    interviews = {r[0]: r for r in parquet(data, "interviews/log/interviews.parquet")}
    assert interviews["I-001"][5] == "kommune"
    assert interviews["I-002"][2:] == (False, None, None, None, None, None, None)  # counted, nothing else kept
    assert set(parquet(data, "interviews/log/interview_themes.parquet")) == {("I-001", "innovation"),
                                                                             ("I-001", "partnerskaber")}
    (fault,) = parquet(data, "interviews/log/quarantine.parquet")
    assert fault[2:] == ("Temaer", "Ukendt tema", "unknown_theme")
    stored = " ".join(str(v) for r in parquet(data, "interviews/log/interviews.parquet") for v in r)
    for secret in ("Lars", "lars@example.dk", "12 34 56 78", "Anne", "VIVE"):
        assert secret not in stored


def test_workbook_without_the_sheet_is_refused_and_the_last_log_stays(dirs):
    landing, data = dirs
    read_interview_log(write_log(landing / "good.xlsx", [ROW]), data / "raw", KEY)
    before = (data / "raw/interviews/log/interviews.parquet").read_bytes()
    with pytest.raises(SourceRefused, match="no sheet named 'Interviews'") as refusal:
        read_interview_log(write_log(landing / "bad.xlsx", [ROW], sheet="Ark1"), data / "raw", KEY)
    assert refusal.value.path.endswith("bad.xlsx")
    assert (data / "raw/interviews/log/interviews.parquet").read_bytes() == before


def test_workbook_without_a_column_is_refused(dirs):
    landing, data = dirs
    path = write_log(landing / "log.xlsx", [ROW[:-1]], columns=COLUMNS[:-1])
    with pytest.raises(SourceRefused, match="lacks the column 'Status'"):
        read_interview_log(path, data / "raw", KEY)
    assert not (data / "raw/interviews").exists()


def test_a_file_that_is_not_a_workbook_is_refused(dirs):
    landing, data = dirs
    path = landing / "interview_log.xlsx"
    path.write_text("Interview-ID;Dato\nI-001;2020-06-01\n", encoding="utf-8")
    with pytest.raises(SourceRefused, match="is not an Excel workbook"):
        read_interview_log(path, data / "raw", KEY)


def test_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (120 << 20))
    with pytest.raises(SourceRefused, match="zip bomb"):
        open_workbook(path, ("Interviews",))


def write_case(folder, name, **fields):
    case = {"case_id": name, "title": "Fælles front", "municipality_code": 751,
            "lead": {"name": "Aarhus Kommune", "type": "kommune"},
            "partners": [{"name": "Røde Kors Aarhus", "type": "landsdaekkende_organisation"}],
            "target_groups": ["aeldre"], "innovation_types": ["telefonraadgivning"],
            "barriers_overcome": ["bureaukrati"], "started": "2020-03-20", "status": "videreført",
            "contact": {"name": "Hanne Thomsen", "email": "hanne@example.dk", "phone": "87 13 20 00"},
            "summary": "Hanne ringede rundt."}
    case.update(fields)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return path


def test_bad_case_files_are_refused_alone(dirs):
    landing, data = dirs
    good = write_case(landing, "good")
    unknown = write_case(landing, "unknown", innovation_types=["teleportation"])
    no_title = write_case(landing, "no-title", title="")
    bad_lead = write_case(landing, "bad-lead", lead={"name": "X", "type": "rumskib"})
    no_code = write_case(landing, "no-code", municipality_code=None)
    broken = landing / "broken.json"
    broken.write_text('{"case_id": "broken", ', encoding="utf-8")
    result = read_cases([good, unknown, no_title, bad_lead, no_code, broken], data / "raw")
    assert [c["case_id"] for c in result.accepted] == ["good"]
    reasons = {r["file"].rsplit("/", 1)[1]: r["reason"] for r in result.refused}
    assert "teleportation" in reasons["unknown.json"]
    assert "title" in reasons["no-title.json"]
    assert "not valid JSON" in reasons["broken.json"]
    assert "rumskib" in reasons["bad-lead.json"]
    assert "municipality_code" in reasons["no-code.json"]
    assert [r[0] for r in parquet(data, "cases/all/cases.parquet")] == ["good"]
    stored = str(parquet(data, "cases/all/cases.parquet")) + str(parquet(data, "cases/all/case_partners.parquet"))
    assert "hanne@example.dk" not in stored and "87 13 20 00" not in stored


def test_duplicate_case_ids_are_both_refused(dirs):
    landing, data = dirs
    a = write_case(landing, "a", case_id="same")
    b = write_case(landing, "b", case_id="same")
    c = write_case(landing, "c")
    result = read_cases([a, b, c], data / "raw")
    assert [x["case_id"] for x in result.accepted] == ["c"]
    assert all("more than one file" in r["reason"] for r in result.refused) and len(result.refused) == 2


def test_frame_is_optional_and_read_in_windows_1252(dirs):
    landing, data = dirs
    assert read_frame(None, data / "raw") == ([], 0)
    path = landing / "population_frame.csv"
    path.write_bytes("region_navn;segment;population\r\nRegion Sjælland;forening;748\r\n"
                     "Landsdækkende;forening;329\r\n".encode("cp1252"))
    files, rows = read_frame(path, data / "raw")
    assert rows == 2
    assert ("Region Sjælland", "forening", 748) in parquet(data, "frame/current/frame.parquet")
    path.write_bytes("region_navn;segment;population\r\nRegion Sjælland;forening;748\r\n"
                     "Region Fyn;forening;12\r\n".encode("cp1252"))
    with pytest.raises(SourceRefused, match="line 3, column region_navn: 'Region Fyn'"):
        read_frame(path, data / "raw")


def test_frame_is_decoded_by_the_exports_one_rule(dirs):
    """The frame and the exports share one encoding detector: a UTF-16 BOM decides, and a file
    neither UTF-8 nor Windows-1252 (0x81 is undefined there) or holding NUL bytes is refused."""
    landing, data = dirs
    path = landing / "population_frame.csv"
    text = "region_navn;segment;population\r\nRegion Sjælland;forening;748\r\n"
    path.write_bytes(text.encode("utf-16"))
    assert read_frame(path, data / "raw")[1] == 1
    for damaged in (text.encode("cp1252") + b"\x81", text.encode("utf-8") + b"\x00"):
        path.write_bytes(damaged)
        with pytest.raises(SourceRefused, match="cannot be decoded as UTF-8, UTF-16 or Windows-1252"):
            read_frame(path, data / "raw")


def test_links_out_of_the_landing_zone_are_not_followed(tmp_path):
    landing = tmp_path / "landing"
    (landing / "cases").mkdir(parents=True)
    outside = tmp_path / "secret.json"
    outside.write_text("{}")
    os.symlink(outside, landing / "cases" / "evil.json")
    (landing / "cases" / "ok.json").write_text("{}")
    files, warnings = safe_files(landing, landing / "cases", "*.json")
    assert [f.name for f in files] == ["ok.json"]
    assert "outside the landing zone" in warnings[0]


def test_invalid_wave_folder_names_are_reported_and_ignored(tmp_path):
    for name in ("wave=2020-06", "wave=2020-13", "juni", "wave=20-06"):
        (tmp_path / "survey" / name).mkdir(parents=True)
    waves, warnings = discover_waves(tmp_path)
    assert waves == ["2020-06"]
    assert len(warnings) == 3 and all("not a wave folder" in w for w in warnings)


def test_published_refusal_reasons_mask_every_quoted_value(dirs):
    """A refusal's reason quotes the cell it refuses; the published ingestion report keeps the rule
    and the file, never the value (it can be personal data)."""
    landing, data = dirs
    unknown = write_case(landing, "unknown", innovation_types=["Hanne Hansens idé"])
    apostrophe = write_case(landing, "apostrophe", lead={"name": "X", "type": "Ole's forening"})
    twice = write_case(landing, "twice", partners=[{"name": "Ole Olsen", "type": "kommune"},
                                                   {"name": "Ole Olsen", "type": "kommune"}])
    result = read_cases([unknown, apostrophe, twice], data / "raw")
    assert any("Hanne Hansens idé" in r["reason"] for r in result.refused)  # the raw layer keeps the value
    with duckdb.connect() as con:
        write_ingestion_issues(con, "issues", data / "raw")
        issues = con.execute("SELECT kind, rule FROM issues WHERE source = 'cases' ORDER BY rule").fetchall()
    published = "\n".join(rule for _kind, rule in issues)
    for value in ("Hanne Hansens idé", "Ole's forening", "Ole Olsen"):
        assert value not in published, value
    assert {rule.split(" ")[0]: kind for kind, rule in issues} == {
        "apostrophe.json": "refused_case", "unknown.json": "refused_case", "twice.json": "note"}
    assert "column lead_type: '…' breaks the rule" in published and "names the partner '…' more than once" in published
