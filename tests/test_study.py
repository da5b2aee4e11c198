"""The study definition (study.md): its validation, and how it maps an export's questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import answered_row, write_wave
from orchestration import pipeline
from orchestration.errors import SourceRefused
from orchestration.ingest.survey import WaveReader
from orchestration.study import DEFAULT_STUDIES, CONCEPTS, StudyInvalid, load_study, validate_study
from test_layout2 import respondent, study_file, write_export


@pytest.mark.parametrize("text,line,reason", [
    ("study: x\nquestions:\n  innovation: [s_1\n", 4, "is not valid YAML"),
    ("study: x\nquestions:\n  org_type: s_1\n  innovaton: s_2\n", 4, "unknown concept 'innovaton'"),
    ("study: x\ncodes:\n  drawer_ideas: {99: 8}\n", 3, "maps to 8, which is not a contract code (1, 2, 9)"),
    ("study: x\ncodes:\n  partner_types: {2: 1}\n", 3, "'partner_types' is a multiple concept and has no codes"),
    ("study: x\nitems:\n  partner_types: {5: 99}\n", 3, "maps to item 99, which reference/partner_types.csv does not"),
    ("study: x\nitems:\n  innovation: {1: 2}\n", 3, "'innovation' has no items"),
    ("study: x\nwaves:\n  '2021-03':\n    codes:\n      durability: {x: 9}\n", 5, "must map whole numbers"),
    ("study: x\noptional: [panel]\n", 2, "optional must list concepts"),
    ("study: x\nquestion:\n  org_type: s_1\n", 2, "unknown key 'question'"),
    ("- just\n- a list\n", 1, "must be a mapping"),
])
def test_an_invalid_definition_names_file_line_and_reason(tmp_path, text, line, reason):
    path = study_file(tmp_path, text)
    with pytest.raises(StudyInvalid) as invalid:
        load_study(path)
    assert invalid.value.path == path.resolve() and invalid.value.line == line
    assert reason in invalid.value.reason
    assert f"{path.resolve()} line {line}: " in str(invalid.value)


def test_the_projects_own_definitions_are_valid_and_map_every_concept():
    for layout, path in DEFAULT_STUDIES.items():
        study = load_study(path)
        assert set(study.questions) == set(CONCEPTS), layout
        assert study.optional == {"org_id"}
    assert load_study(DEFAULT_STUDIES[1]).questions["innovation"] == "q2"


def test_wave_overrides_apply_to_their_wave_only(tmp_path):
    study = load_study(study_file(tmp_path, "questions:\n  durability: s_5\ncodes:\n  durability: {99: 9}\n"
                                            "waves:\n  '2021-03':\n    questions:\n      durability: s_6\n"
                                            "    codes:\n      durability: {98: 9}\n"))
    assert study.for_wave("2020-06").questions["durability"] == "s_5"
    later = study.for_wave("2021-03")
    assert later.questions["durability"] == "s_6" and later.codes["durability"] == {99: 9, 98: 9}


def test_a_definition_that_maps_nothing_is_valid(tmp_path):
    study = load_study(study_file(tmp_path, "study: any survey\n"))
    assert (study.name, study.questions, study.optional) == ("any survey", {}, frozenset())
    assert len(validate_study(None)) == 2  # without SIW_STUDY: the project's two definitions


def reader(dirs, study: Path) -> WaveReader:
    landing, data = dirs
    return WaveReader("2020-06", landing / "survey/wave=2020-06", data / "raw", data / "work", b"k", 0.05,
                      study=study)


def test_a_question_the_structure_lacks_refuses_the_wave_unless_optional(dirs, tmp_path):
    write_export(dirs[0] / "survey/wave=2020-06", [respondent(1)])
    with pytest.raises(SourceRefused) as refused:
        reader(dirs, study_file(tmp_path, "questions:\n  org_type: s_1\n  durability: s_11\n")).read()
    assert refused.value.path.endswith("dataset.csv")
    assert "lacks the question 's_11'" in refused.value.reason and "concept 'durability'" in refused.value.reason
    assert "study.yml" in refused.value.reason
    result = reader(dirs, study_file(tmp_path, "questions:\n  org_type: s_1\n  durability: s_11\n"
                                               "optional: [durability]\n")).read()
    assert result.rows_read == 1


def test_free_text_mapped_to_a_closed_concept_refuses_the_wave(dirs, tmp_path):
    write_export(dirs[0] / "survey/wave=2020-06", [respondent(1)])
    with pytest.raises(SourceRefused) as refused:
        reader(dirs, study_file(tmp_path, "questions:\n  innovation: s_5\n")).read()
    assert "question 's_5' is Open/String" in refused.value.reason
    assert "maps it to the single concept 'innovation'" in refused.value.reason
    assert not (dirs[1] / "raw/survey/wave=2020-06").exists()


def test_layout_1_uses_the_projects_layout_1_definition(dirs):
    write_wave(dirs[0] / "survey/wave=2020-06", [answered_row(1)])
    result = reader(dirs, None).read()
    assert result.layout == 1 and result.rows_read == 1


def test_an_invalid_definition_stops_the_refresh_before_anything_is_read(dirs, tmp_path, monkeypatch, capsys,
                                                                         sample_tree):
    landing, data = dirs
    write_wave(landing / "survey/wave=2020-06", [answered_row(1)])
    monkeypatch.setenv("SIW_STUDY", str(study_file(tmp_path, "questions:\n  innovation: q2\n  kommun: kommune\n")))
    assert pipeline.run(allow_sample=False) == 1
    err = capsys.readouterr().err
    assert "study.yml line 3: unknown concept 'kommun'" in err
    assert not (data / "raw").exists()
