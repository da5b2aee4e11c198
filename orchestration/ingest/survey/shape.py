"""What the structure and the study definition say of a wave, before its rows are read.

``describe_wave`` joins a wave's variables with the study definition (study.md): its layout,
where the respondent facts are, which variable carries which concept, and the notes the ingestion
report names. Pure: no connection and no file beyond the study definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.survey.structure import Respondent, Variable, layout_of, respondent_columns
from orchestration.study import CONCEPTS, WaveStudy, check_mapping, study_for


@dataclass(frozen=True)
class WaveShape:
    """What the structure and the study definition say of a wave, before its rows are read."""

    variables: dict[str, Variable]
    dataset: Path
    layout: int
    respondent: Respondent
    study: WaveStudy
    concepts: dict[str, tuple[str, int | None]]  # variable -> (concept, reference item)
    kommune: str | None
    org_name: str | None
    org_id: str | None  # the invitation list's organisation id (the panel's link across waves)
    notes: tuple[str, ...] = ()  # facts the ingestion report names (sources.md 1b)

    @property
    def identifying(self) -> set[str]:
        """The variables of the study's identifying concepts (they stay in the raw layer)."""
        return {name for name, (concept, _item) in self.concepts.items() if CONCEPTS[concept].identifying}


def concept_items(wave: WaveStudy, found: dict[str, list[Variable]], layout: int) -> dict[str, tuple[str, int | None]]:
    """variable -> (concept, reference item) for every variable of a mapped concept (study.md).

    An item is a multiple-choice option's choiceValue (layout 2) or its ``_k`` ending (layout 1),
    or a matrix variable's 1-based position under its question; ``items:`` translates it.
    """
    mapped: dict[str, tuple[str, int | None]] = {}
    for concept, members in found.items():
        spec = CONCEPTS[concept]
        translate = wave.items.get(concept, {})
        for position, var in enumerate(members, start=1):
            item = None
            if spec.items:
                suffix = var.name[len(var.question) + 1:] if var.name.startswith(var.question + "_") else ""
                if layout == 1 and suffix.isdigit():
                    item = int(suffix)
                elif spec.kind == "multiple" and var.choice_value.lstrip("-").isdigit():
                    item = int(var.choice_value)
                else:
                    item = position
                item = translate.get(item, item)
            mapped[var.name] = (concept, item)
    return mapped


def shape_notes(variables: dict[str, Variable], layout: int, respondent: Respondent) -> list[str]:
    """What the ingestion report says of a wave's shape: a missing status or id, unknown types,
    unlabelled codes."""
    notes = []
    if layout == 2:
        if not respondent.status_dummies:
            notes.append("no statoverall in the export: every row counts as completed")
        if not respondent.id:
            notes.append("no respondentid in the export: rows are identified by their line")
    for var in variables.values():
        if not var.known_type:
            notes.append(f"variable {var.name}: unknown type {var.question_type}/{var.sub_type}, read as free text")
        elif var.kind == "coded" and not var.codes and not var.system:
            notes.append(f"variable {var.name}: no labels, read as unlabelled codes")
    return notes


def describe_wave(variables: dict[str, Variable], dataset: Path, wave_id: str, study: Path | None) -> WaveShape:
    """The shape of wave ``wave_id`` under the study definition ``study`` (None: the defaults);
    refuses, naming ``dataset``, what does not fit."""
    layout = layout_of(variables)
    respondent = respondent_columns(variables, layout, dataset)
    wave = study_for(study, layout).for_wave(wave_id)
    found = check_mapping(wave, variables, dataset)
    first = {concept: next((v.name for v in found.get(concept, [])), None) for concept in ("kommune", "org_name", "org_id")}
    return WaveShape(variables, dataset, layout, respondent, wave, concept_items(wave, found, layout),
                     first["kommune"], first["org_name"], first["org_id"], tuple(shape_notes(variables, layout, respondent)))
