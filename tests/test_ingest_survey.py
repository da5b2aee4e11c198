"""Every rule of the survey contract, with small exports made in the test."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import answered_row, fetch, write_wave
from orchestration.errors import SourceRefused
from orchestration.ingest.survey import WaveReader
from orchestration.sample_exports import survey_labels, survey_structure, survey_variables

KEY = b"test-key"


def reader(landing: Path, data: Path, wave: str = "2020-06", threshold: float = 0.05) -> WaveReader:
    return WaveReader(wave, landing / "survey" / f"wave={wave}", data / "raw", data / "work", KEY, threshold)


def table(data: Path, name: str, wave: str = "2020-06") -> list[tuple]:
    path = data / "raw" / "survey" / f"wave={wave}" / f"{name}.parquet"
    return fetch(f"SELECT * EXCLUDE (wave_id) FROM read_parquet('{path}', hive_partitioning=false)")


def statuses(data: Path) -> dict[int, str]:
    path = data / "raw/survey/wave=2020-06/respondents.parquet"
    return dict(fetch(f"SELECT line, record_status FROM read_parquet('{path}')"))


def rows(n: int = 40, **faults) -> list[dict]:
    return [answered_row(1000 + i) for i in range(n)]


@pytest.mark.parametrize("encoding,delimiter", [
    ("cp1252", ";"), ("utf-8", ";"), ("utf-8-sig", ","), ("utf-16", "\t"), ("utf-8", "\t")])
def test_each_encoding_and_delimiter_reads_the_same(dirs, encoding, delimiter):
    landing, data = dirs
    data_rows = rows(5) + [answered_row(2000, q13_open='Penge – "puljer"; € 200\r\nRing til Åse')]
    write_wave(landing / "survey/wave=2020-06", data_rows, encoding=encoding, delimiter=delimiter)
    result = reader(landing, data).read()
    assert result.rows_read == 6 and result.rows_quarantined == 0
    answers = {(line, var): value for line, var, value in table(data, "answers")}
    assert answers[(7, "q13_open")] == 'Penge – "puljer"; € 200\r\nRing til Åse'
    assert answers[(2, "org_name")] == "Røde Kors Odder"


def test_quoted_line_breaks_keep_physical_line_numbers(dirs):
    landing, data = dirs
    data_rows = [answered_row(1, q13_open="a\r\nb\r\nc"), answered_row(2), answered_row(3, q2="7")]
    write_wave(landing / "survey/wave=2020-06", data_rows)
    reader(landing, data, threshold=1).read()
    (fault,) = table(data, "quarantine")
    # header line 1, row 1 spans lines 2-4, row 2 is line 5, row 3 line 6
    assert fault == ("dataset.csv", 6, 3, "q2", "7", "unknown_code")


def test_a_large_wave_keeps_its_line_numbers_and_writes_its_answers_in_order(dirs):
    # More records than one DuckDB row group, read in parallel: the line numbers and the answers'
    # order come from the file's order kept throughout, not from a sort (export.py, write.py).
    landing, data = dirs
    template = answered_row(1)
    data_rows = [{**template, "respondentid": str(i), "q13_open": "a\r\nb" if i % 997 == 0 else "x"}
                 for i in range(1, 130_001)]
    write_wave(landing / "survey/wave=2020-06", data_rows, encoding="utf-8")
    reader(landing, data).read()
    wave = data / "raw/survey/wave=2020-06"
    expected, line = [], 2
    for row in data_rows:
        expected.append((line, int(row["respondentid"])))
        line += 1 + row["q13_open"].count("\n")
    assert fetch(f"SELECT line, respondentid FROM '{wave}/respondents.parquet' ORDER BY line") == expected
    # in the file's order, each answer after the one before it by (line, variable)
    ((answers, out_of_order),) = fetch(f"""
        SELECT count(*), count(*) FILTER (WHERE line < before_line OR (line = before_line AND variable <= before))
        FROM (SELECT line, variable, lag(line) OVER () AS before_line, lag(variable) OVER () AS before
              FROM '{wave}/answers.parquet')""")
    assert answers > 130_000 * 10 and out_of_order == 0


def test_row_faults_are_quarantined_with_variable_value_and_rule(dirs):
    landing, data = dirs
    data_rows = rows(60) + [answered_row(3001, q2="7"), answered_row(3002, kommune="999"),
                            answered_row(3003, q5="n/a"), answered_row(3004, started="2020-06-12 10:00")]
    write_wave(landing / "survey/wave=2020-06", data_rows)
    result = reader(landing, data, threshold=0.1).read()
    assert result.rows_quarantined == 4
    faults = {(rid, var, value, rule) for _f, _l, rid, var, value, rule in table(data, "quarantine")}
    assert faults == {(3001, "q2", "7", "unknown_code"), (3002, "kommune", "999", "unknown_municipality"),
                      (3003, "q5", "n/a", "non_numeric"), (3004, "started", "2020-06-12 10:00", "bad_timestamp")}
    assert sorted(statuses(data).values()).count("quarantined") == 4


def test_leading_zero_municipality_is_the_same_code(dirs):
    landing, data = dirs
    write_wave(landing / "survey/wave=2020-06", [answered_row(1, kommune="0751"), answered_row(2, kommune="101")])
    assert reader(landing, data).read().rows_quarantined == 0


def test_resubmission_latest_submitted_wins(dirs):
    landing, data = dirs
    data_rows = [answered_row(1, submitted="13-06-2020 09:00:00", q2="2"),
                 answered_row(1, submitted="12-06-2020 09:00:00", q2="1"),
                 answered_row(2)]
    write_wave(landing / "survey/wave=2020-06", data_rows)
    result = reader(landing, data).read()
    assert result.rows_superseded == 1
    assert statuses(data) == {2: "current", 3: "superseded", 4: "current"}


def test_timestamps_are_copenhagen_local_time(dirs):
    landing, data = dirs
    write_wave(landing / "survey/wave=2020-06", [answered_row(1, submitted="12-06-2020 10:20:00")])
    reader(landing, data).read()
    path = data / "raw/survey/wave=2020-06/respondents.parquet"
    utc = fetch(f"SELECT timezone('UTC', submitted_at)::VARCHAR FROM read_parquet('{path}')")[0][0]
    assert utc == "2020-06-12 08:20:00"  # CEST = UTC+2


def test_undescribed_columns_are_reported_and_kept_in_raw_only(dirs):
    landing, data = dirs
    columns = survey_variables() + ["ip_address"]
    write_wave(landing / "survey/wave=2020-06", [answered_row(1, ip_address="10.0.0.1")], columns=columns)
    result = reader(landing, data).read()
    assert result.columns_dropped == ["ip_address"]
    assert table(data, "dropped_columns") == [("ip_address",)]


def test_column_order_is_free(dirs):
    landing, data = dirs
    columns = list(reversed(survey_variables()))
    write_wave(landing / "survey/wave=2020-06", [answered_row(1, q2="3")], columns=columns)
    reader(landing, data).read()
    assert (2, "q2", "3") in table(data, "answers")


def test_excel_export(dirs):
    landing, data = dirs
    folder = landing / "survey/wave=2021-03"
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Dataset"
    columns = survey_variables()
    sheet.append(columns)
    for row in [answered_row(1), answered_row(2, kommune="0751", q2="7")]:
        sheet.append([int(v) if v.isdigit() and c not in ("kommune",) else (v or None) for c, v in
                      ((c, row[c]) for c in columns)])
    structure = book.create_sheet("Structure")
    structure.append(["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue",
                      "choiceText"])
    for r in survey_structure():
        structure.append(r)
    labels = book.create_sheet("Labels")
    for r in survey_labels():
        labels.append(r)
    book.save(folder / "dataset.xlsx")
    result = reader(landing, data, "2021-03", threshold=1).read()
    assert result.rows_read == 2 and result.rows_quarantined == 1
    assert table(data, "quarantine", "2021-03") == [("dataset.xlsx#Dataset", 3, 2, "q2", "7", "unknown_code")]


# --- wave faults: refused whole, the last good data stays -------------------------------------


@pytest.fixture
def good_wave(dirs):
    """A wave that was ingested once; tests then break its files."""
    landing, data = dirs
    folder = write_wave(landing / "survey/wave=2020-06", rows(20))
    reader(landing, data).read()
    before = {p.name: p.read_bytes() for p in (data / "raw/survey/wave=2020-06").iterdir()}
    return landing, data, folder, before


def assert_refused(landing, data, before, file: str, reason: str, threshold: float = 0.05):
    with pytest.raises(SourceRefused) as refusal:
        reader(landing, data, threshold=threshold).read()
    assert refusal.value.path.endswith(file), refusal.value
    assert reason in refusal.value.reason
    after = {p.name: p.read_bytes() for p in (data / "raw/survey/wave=2020-06").iterdir()}
    assert after == before  # nothing of the refused input reached the raw layer


def test_missing_file_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    (folder / "labels.csv").unlink()
    assert_refused(landing, data, before, "labels.csv", "is missing")


def test_empty_file_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    (folder / "dataset.csv").write_bytes(b"")
    assert_refused(landing, data, before, "dataset.csv", "is empty")


def test_header_only_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    (folder / "dataset.csv").write_bytes((folder / "dataset.csv").read_bytes().split(b"\r\n")[0] + b"\r\n")
    assert_refused(landing, data, before, "dataset.csv", "empty")


def test_truncated_file_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    content = (folder / "dataset.csv").read_bytes()
    (folder / "dataset.csv").write_bytes(content[: len(content) // 2])
    assert_refused(landing, data, before, "dataset.csv", "truncated or malformed")


def test_unclosed_quote_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    content = (folder / "dataset.csv").read_bytes()
    (folder / "dataset.csv").write_bytes(content + b'1999;"4;unterminated\r\n')
    assert_refused(landing, data, before, "dataset.csv", "truncated or malformed")


def test_running_out_of_memory_fails_the_read_and_refuses_nothing(good_wave):
    landing, data, folder, before = good_wave
    write_wave(folder, rows(2000))  # a new delivery, read under a bound too small for it
    short = WaveReader("2020-06", folder, data / "raw", data / "work", KEY, 0.05, memory_limit="1MB")
    with pytest.raises(RuntimeError, match="more memory than DuckDB's bound .SIW_DUCKDB_MEMORY.; the file was not refused"):
        short.read()
    assert {p.name: p.read_bytes() for p in (data / "raw/survey/wave=2020-06").iterdir()} == before


def test_missing_variable_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    columns = [c for c in survey_variables() if c != "q6"]
    write_wave(folder, rows(20), columns=columns)
    assert_refused(landing, data, before, "dataset.csv", "lacks the variable 'q6'")


def test_undecodable_file_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    content = (folder / "dataset.csv").read_bytes()
    (folder / "dataset.csv").write_bytes(content.replace(b"R\xf8de", b"R\x81de"))  # 0x81: undefined in 1252
    assert_refused(landing, data, before, "dataset.csv", "cannot be decoded")


def test_quarantine_above_threshold_refuses_the_wave(good_wave):
    landing, data, folder, before = good_wave
    write_wave(folder, rows(20) + [answered_row(5000 + i, q2="7") for i in range(2)])
    assert_refused(landing, data, before, "dataset.csv", "above the 5% threshold")
    # the threshold is a setting
    result = reader(landing, data, threshold=0.5).read()
    assert result.rows_quarantined == 2


def test_unchanged_redelivery_is_skipped_and_a_changed_one_replaces(good_wave):
    landing, data, folder, before = good_wave
    assert reader(landing, data).read() is None
    write_wave(folder, rows(25))
    result = reader(landing, data).read()
    assert result.rows_read == 25
    assert len(statuses(data)) == 25


def test_pseudonyms_are_keyed_hmac(dirs):
    landing, data = dirs
    write_wave(landing / "survey/wave=2020-06", [answered_row(1)])
    reader(landing, data).read()
    path = data / "raw/survey/wave=2020-06/respondents.parquet"
    (key,) = fetch(f"SELECT respondent_key FROM read_parquet('{path}')")[0]
    from orchestration.ingest.pseudonym import hmac_python
    assert key == hmac_python(KEY, "2020-06:1")
    shutil.rmtree(data / "raw")
    WaveReader("2020-06", landing / "survey/wave=2020-06", data / "raw", data / "work", b"other", 0.05).read()
    (other,) = fetch(f"SELECT respondent_key FROM read_parquet('{path}')")[0]
    assert other != key


def test_quarantine_preview_names_line_variable_and_rule_but_not_the_value(dirs):
    landing, data = dirs
    write_wave(landing / "survey/wave=2020-06", rows(30) + [answered_row(9, kommune="ole@example.dk")])
    result = reader(landing, data).read()
    assert "| kommune" in result.quarantine_preview and "non_numeric" in result.quarantine_preview
    assert "ole@example.dk" not in result.quarantine_preview


def test_a_new_raw_format_reads_unchanged_files_again(good_wave, monkeypatch):
    landing, data, folder, before = good_wave
    assert reader(landing, data).read() is None
    monkeypatch.setattr("orchestration.ingest.survey.write.RAW_FORMAT_VERSION", "next")
    assert reader(landing, data).read() is not None
