"""The study definition (``SIW_STUDY``): which question of an export carries which concept.

The metrics are defined on the study's concepts (``docs/metrics.md``), never on column names. A
study definition (YAML) maps each concept to a ``questionName`` of the export's structure, and
the export's codes and items to the contract's. This module knows the concepts (their kind,
contract codes and reference lists), reads and validates a definition (an invalid one stops the
refresh before anything is read, naming the file, the line and the reason), and resolves it for
one wave (its overrides applied). Without ``SIW_STUDY`` the project's own definitions apply: the
layout-1 one to layout-1 waves, the one of the sample exports to layout-2 waves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.config import PROJECT_ROOT
from orchestration.errors import SourceRefused
from orchestration.reference import reference

STUDIES_DIR = PROJECT_ROOT / "studies"
# The project's own definitions, by layout (sources.md 1b): layout-1 names, and the sample exports.
DEFAULT_STUDIES = {1: STUDIES_DIR / "innovation-2020.yml", 2: STUDIES_DIR / "innovation-2020-sample.yml"}

SCALE = frozenset({1, 2, 3, 4, 5, 9})


@dataclass(frozen=True)
class Concept:
    """A concept of the questionnaire (study.md, "Concepts")."""

    kind: str  # single, multiple, matrix, number or text
    codes: frozenset[int] = frozenset()  # the contract's codes (single and matrix)
    items: str | None = None  # the reference list of an item concept
    identifying: bool = False  # raw only (free text, names, e-mails, the organisation id)


CONCEPTS: dict[str, Concept] = {
    "org_type": Concept("single", frozenset({1, 2})),
    "org_name": Concept("text", identifying=True),
    "contact_email": Concept("text", identifying=True),
    "geo_scope": Concept("single", frozenset({1, 2, 3})),
    "kommune": Concept("number"),
    "staff_size": Concept("single", frozenset({1, 2, 3, 4, 5})),
    "volunteer_size": Concept("single", frozenset({1, 2, 3, 4, 5})),
    "target_groups": Concept("multiple", items="target_groups"),
    "innovation": Concept("single", frozenset({1, 2, 3, 9})),
    "innovation_types": Concept("multiple", items="innovation_types"),
    "drawer_ideas": Concept("single", frozenset({1, 2, 9})),
    "durability": Concept("single", SCALE),
    "more_partners": Concept("single", frozenset({1, 2, 3, 9})),
    "partner_types": Concept("multiple", items="partner_types"),
    "collaboration": Concept("single", SCALE),
    "barriers": Concept("matrix", SCALE, items="barriers"),
    "barriers_eased": Concept("multiple", items="barriers"),
    "enablers": Concept("matrix", SCALE, items="enablers"),
    "others_can_learn": Concept("single", frozenset({1, 2, 9})),
    "open_initiative": Concept("text", identifying=True),
    "open_keep": Concept("text", identifying=True),
    "org_id": Concept("text", identifying=True),
}
# The structure types a concept may be mapped to: (questionType, subType) as sources.md names them.
CLOSED_SINGLE = {("Closed", "Single"), ("Background", "Single")}
ACCEPTED_TYPES = {
    "single": CLOSED_SINGLE,
    "matrix": CLOSED_SINGLE,
    "multiple": {("Closed", "Multiple")},
    "number": {("Open", "Number"), ("Open", "Double")} | CLOSED_SINGLE,
}


class StudyInvalid(Exception):
    """A study definition that cannot be used: the refresh stops before anything is read."""

    def __init__(self, path: Path, line: int | None, reason: str) -> None:
        self.path, self.line, self.reason = path, line, reason
        super().__init__(f"study definition {path}{f' line {line}' if line else ''}: {reason}")


@dataclass(frozen=True)
class WaveStudy:
    """The definition as it applies to one wave (its overrides merged)."""

    name: str
    path: Path
    questions: dict[str, str]  # concept -> questionName
    codes: dict[str, dict[int, int]] = field(default_factory=dict)  # concept -> export code -> contract code
    items: dict[str, dict[int, int]] = field(default_factory=dict)  # concept -> export item -> reference item
    optional: frozenset[str] = frozenset()

    def concept_of(self) -> dict[str, str]:
        """questionName -> concept."""
        return {question: concept for concept, question in self.questions.items()}


@dataclass(frozen=True)
class Study:
    """A validated study definition."""

    name: str
    path: Path
    questions: dict[str, str]
    codes: dict[str, dict[int, int]]
    items: dict[str, dict[int, int]]
    optional: frozenset[str]
    waves: dict[str, dict]  # wave id -> {"questions"|"codes"|"items": ...}

    def for_wave(self, wave_id: str) -> WaveStudy:
        """The definition with the wave's overrides applied."""
        override = self.waves.get(wave_id, {})
        questions = {**self.questions, **override.get("questions", {})}
        codes = {c: {**self.codes.get(c, {}), **override.get("codes", {}).get(c, {})}
                 for c in {*self.codes, *override.get("codes", {})}}
        items = {c: {**self.items.get(c, {}), **override.get("items", {}).get(c, {})}
                 for c in {*self.items, *override.get("items", {})}}
        return WaveStudy(self.name, self.path, questions, codes, items, self.optional)


def _line_of(root: yaml.Node, *keys: str) -> int | None:
    """The 1-based line of the key path ``keys`` in the YAML node tree (for error messages)."""
    node, line = root, root.start_mark.line + 1
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return line
        for k, v in node.value:
            if str(k.value) == str(key):
                node, line = v, k.start_mark.line + 1
                break
        else:
            return line
    return line


def _int_map(path: Path, root, value, *keys: str) -> dict[int, int]:
    if not isinstance(value, dict):
        raise StudyInvalid(path, _line_of(root, *keys), f"{'.'.join(keys)} must map numbers to numbers")
    try:
        return {int(k): int(v) for k, v in value.items()}
    except (TypeError, ValueError):
        raise StudyInvalid(path, _line_of(root, *keys), f"{'.'.join(keys)} must map whole numbers to whole "
                                                        f"numbers, not {value!r}") from None


def _section(path: Path, root, data: dict, prefix: tuple[str, ...]) -> dict:
    """Validate the questions/codes/items of the top level or of one wave; return them parsed."""
    out: dict = {}
    questions = data.get("questions") or {}
    if not isinstance(questions, dict):
        raise StudyInvalid(path, _line_of(root, *prefix, "questions"), "questions must map concepts to questionNames")
    for concept, question in questions.items():
        if concept not in CONCEPTS:
            raise StudyInvalid(path, _line_of(root, *prefix, "questions", concept),
                               f"unknown concept {concept!r} (study.md lists {', '.join(CONCEPTS)})")
        if not isinstance(question, (str, int)) or not str(question).strip():
            raise StudyInvalid(path, _line_of(root, *prefix, "questions", concept),
                               f"concept {concept!r} needs a questionName")
    out["questions"] = {c: str(q).strip() for c, q in questions.items()}
    for section in ("codes", "items"):
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise StudyInvalid(path, _line_of(root, *prefix, section), f"{section} must map concepts to mappings")
        parsed = {}
        for concept, mapping in entries.items():
            where = (*prefix, section, concept)
            spec = CONCEPTS.get(concept)
            if spec is None:
                raise StudyInvalid(path, _line_of(root, *where), f"unknown concept {concept!r} under {section}")
            parsed[concept] = _int_map(path, root, mapping, *where)
            if section == "codes":
                if spec.kind not in ("single", "matrix"):
                    raise StudyInvalid(path, _line_of(root, *where),
                                       f"codes: {concept!r} is a {spec.kind} concept and has no codes to map")
                bad = sorted(set(parsed[concept].values()) - spec.codes)
                if bad:
                    raise StudyInvalid(path, _line_of(root, *where),
                                       f"codes: {concept!r} maps to {bad[0]}, which is not a contract code "
                                       f"({', '.join(map(str, sorted(spec.codes)))})")
            else:
                if spec.items is None:
                    raise StudyInvalid(path, _line_of(root, *where), f"items: {concept!r} has no items")
                known = {int(row["item"]) for row in reference(spec.items)}
                bad = sorted(set(parsed[concept].values()) - known)
                if bad:
                    raise StudyInvalid(path, _line_of(root, *where),
                                       f"items: {concept!r} maps to item {bad[0]}, which reference/{spec.items}.csv "
                                       f"does not have")
        out[section] = parsed
    return out


@lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int) -> Study:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise StudyInvalid(path, None, f"cannot be read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise StudyInvalid(path, None, "is not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise StudyInvalid(path, mark.line + 1 if mark else None,
                           f"is not valid YAML ({getattr(error, 'problem', None) or error})") from None
    if data is None:
        data, root = {}, yaml.compose("{}", Loader=yaml.SafeLoader)
    if not isinstance(data, dict):
        raise StudyInvalid(path, 1, "must be a mapping with study, questions, codes, items, optional, waves")
    unknown = sorted(set(data) - {"study", "questions", "codes", "items", "optional", "waves"})
    if unknown:
        raise StudyInvalid(path, _line_of(root, unknown[0]), f"unknown key {unknown[0]!r}")
    top = _section(path, root, data, ())
    optional = data.get("optional") or []
    if not isinstance(optional, list) or any(c not in CONCEPTS for c in optional):
        raise StudyInvalid(path, _line_of(root, "optional"), "optional must list concepts of study.md")
    waves = {}
    for wave_id, override in (data.get("waves") or {}).items():
        if not isinstance(override, dict):
            raise StudyInvalid(path, _line_of(root, "waves", wave_id), f"waves.{wave_id} must be a mapping")
        waves[str(wave_id)] = _section(path, root, override, ("waves", str(wave_id)))
    return Study(str(data.get("study") or path.stem), path, top["questions"], top["codes"], top["items"],
                 frozenset(optional), waves)


def load_study(path: Path) -> Study:
    """Read and validate a study definition (cached by modification time)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise StudyInvalid(path, None, "does not exist (SIW_STUDY names the study definition file)")
    return _load_cached(path, path.stat().st_mtime_ns)


def study_for(configured: Path | None, layout: int) -> Study:
    """The definition that applies to a wave of ``layout``: ``SIW_STUDY``, else the project's own."""
    return load_study(configured or DEFAULT_STUDIES[layout])


def validate_study(configured: Path | None) -> list[Study]:
    """Load every definition a refresh may use (``SIW_STUDY``, else both of the project's own);
    raises ``StudyInvalid`` for the first that is not valid."""
    return [load_study(path) for path in ([configured] if configured else DEFAULT_STUDIES.values())]


def check_mapping(wave: WaveStudy, variables: dict, source: Path) -> dict[str, list]:
    """The variables of each mapped concept, in structure order; refuse what the wave cannot carry.

    A question the structure lacks refuses the wave (unless the concept is optional); a question
    of the wrong type (free text as a closed concept) too, naming the definition.
    """
    by_question: dict[str, list] = {}
    for var in variables.values():
        by_question.setdefault(var.question, []).append(var)
    found: dict[str, list] = {}
    for concept, question in wave.questions.items():
        members = by_question.get(question)
        if not members:
            if concept in wave.optional:
                continue
            raise SourceRefused(source, f"lacks the question {question!r} that the study definition {wave.path.name} "
                                        f"maps to the concept {concept!r}")
        spec = CONCEPTS[concept]
        accepted = ACCEPTED_TYPES.get(spec.kind)
        wrong = [v for v in members if accepted is not None and (v.question_type, v.sub_type) not in accepted]
        if wrong:
            raise SourceRefused(source, f"question {question!r} is {wrong[0].question_type}/{wrong[0].sub_type}, but the "
                                        f"study definition {wave.path.name} maps it to the {spec.kind} concept "
                                        f"{concept!r}")
        if spec.kind in ("single", "number") and len(members) > 1:
            raise SourceRefused(source, f"question {question!r} has {len(members)} variables, but the study definition "
                                        f"{wave.path.name} maps it to the single-answer concept {concept!r}")
        found[concept] = members
    return found
