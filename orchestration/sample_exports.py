"""Sample-export generator: writes a realistic landing tree in the shape of the source contract.

The real study's data is not public, so this writes exports with the same formats and quirks,
calibrated to the published findings. By default (layout 2) the waves are written as SurveyXact
writes them: questions ``s_1``..., short system names, the status as five dummies, the first
wave in the tool's international CSV format (UTF-16, tab, ISO timestamps), the later one as its
Excel workbook under the tool's file name and sheets, one option list whose ``choiceValue``s are
not in position order, "Ved ikke" as 99 in two questions (``studies/innovation-2020-sample.yml``
maps it). Layout 1 writes the project's first deliveries (Windows-1252 ``;`` CSV with CRLF, an
Excel wave). Both carry re-submissions, "ved ikke", partial answers, free text with personal data,
leading-zero municipality codes and a few row faults. Every row carries the organisation's id from the
study's invitation list (``org_id``); the follow-up wave re-invites most of the first wave's
organisations, and an organisation that answered both tends to answer as before, so the panel shows
persistence. Deterministic for a given seed; sized by
``--invited`` so that benchmarks can ask for millions of rows (generated chunk by chunk with
numpy, never the whole wave in memory).

    python -m orchestration.sample_exports --out data/landing --invited 2300 --seed 2020
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl

from orchestration.reference import reference

BLANK = -1
CHUNK_ROWS = 50_000
# An Excel sheet holds at most 1,048,576 rows; big waves come as CSV, as the contract says.
EXCEL_MAX_INVITED = 50_000

# Wave id -> (share of the first wave's invited, month of fieldwork, file format).
WAVES = {"2020-06": (1.0, (2020, 6)), "2021-03": (0.8, (2021, 3))}
# The follow-up wave's invitation list: this share of it are the first wave's organisations (its first
# rows, in the first wave's order), the rest are new.
REINVITED_SHARE = 0.75
# An organisation that answered both waves gives its earlier answers again with this probability
# (otherwise it answers afresh): the persistence the panel measures.
KEEPS_ANSWERS = 0.55
# Rows whose org_id is blank (an organisation missing from the invitation list's id column).
BLANK_ORG_ID = 0.005

SCALE_1_5 = ["Slet ikke", "I mindre grad", "I nogen grad", "I høj grad", "I meget høj grad"]
SINGLE_QUESTIONS = {
    "q2": ("Har I under nedlukningen gennemført nye tiltag eller markant ændret måden, I arbejder på?",
           {1: "Ja, markante nye tiltag eller ændringer", 2: "Ja, mindre justeringer", 3: "Nej", 9: "Ved ikke"}),
    "q4": ("Var nogle af tiltagene idéer, som I havde liggende i skuffen fra før nedlukningen?",
           {1: "Ja", 2: "Nej", 9: "Ved ikke"}),
    "q5": ("I hvilken grad forventer I, at de nye tiltag fortsætter efter krisen?",
           {**dict(enumerate(SCALE_1_5, 1)), 9: "Ved ikke"}),
    "q6": ("Har I under nedlukningen samarbejdet med flere, det samme antal eller færre eksterne aktører end før krisen?",
           {1: "Flere end før", 2: "Det samme antal", 3: "Færre end før", 9: "Ved ikke"}),
    "q8": ("Hvordan har samarbejdet på tværs fungeret?",
           {1: "Meget dårligt", 2: "Dårligt", 3: "Hverken godt eller dårligt", 4: "Godt", 5: "Meget godt", 9: "Ved ikke"}),
    "q12": ("Kan andre organisationer lære af netop jeres nye tiltag?", {1: "Ja", 2: "Nej", 9: "Ved ikke"}),
}
BACKGROUND = {
    "statoverall": ("Background", "Besvarelsesstatus",
                    {1: "Ny", 2: "Distribueret", 3: "Delvist besvaret", 4: "Gennemført", 5: "Frafaldet"}),
    "org_type": ("Background", "Hvilken type organisation besvarer du for?",
                 {1: "Frivillig social forening eller organisation", 2: "Kommunalt socialt tilbud"}),
    "geo_scope": ("Closed", "Hvor arbejder organisationen geografisk?",
                  {1: "Lokalt (én kommune)", 2: "Regionalt (flere kommuner)", 3: "Landsdækkende"}),
    "staff_size": ("Closed", "Hvor mange ansatte har organisationen eller tilbuddet?",
                   {1: "Ingen ansatte", 2: "1-4", 3: "5-19", 4: "20-49", 5: "50 eller flere"}),
    "volunteer_size": ("Closed", "Hvor mange frivillige er tilknyttet?",
                       {1: "Ingen frivillige", 2: "1-9", 3: "10-49", 4: "50-199", 5: "200 eller flere"}),
}
MULTI_QUESTIONS = {
    "q1": ("Hvilke målgrupper arbejder I med?", "target_groups"),
    "q3": ("Hvilke nye tiltag har I gennemført?", "innovation_types"),
    "q7": ("Hvem har I samarbejdet med under nedlukningen, som I ikke samarbejdede med før?", "partner_types"),
    "q10": ("Hvilke af følgende barrierer blev mindre under nedlukningen?", "barriers"),
}
SCALE_ITEMS = {
    "q9": ("I hvilken grad har følgende hæmmet jeres omstilling?", "barriers"),
    "q11": ("I hvilken grad har følgende gjort jeres omstilling mulig?", "enablers"),
}
ORG_ID_TEXT = "Organisations-ID (fra invitationslisten)"
OPEN_TEXT = {
    "q13_open": "Beskriv kort jeres vigtigste nye tiltag",
    "q14_open": "Hvad skal der til for at fastholde det nye?",
}


def item_variables(question: str) -> list[str]:
    """The variables ``<question>_<item>`` of a multi-item question, in reference order."""
    listing = {**MULTI_QUESTIONS, **SCALE_ITEMS}[question][1]
    return [f"{question}_{row['item']}" for row in reference(listing)]


def survey_variables() -> list[str]:
    """Every variable of the survey in the tool's export order."""
    return [
        "respondentid", "statoverall", "started", "submitted", "org_type", "org_name", "org_id", "contact_email",
        "geo_scope", "kommune", "staff_size", "volunteer_size", *item_variables("q1"), "q2",
        *item_variables("q3"), "q4", "q5", "q6", *item_variables("q7"), "q8", *item_variables("q9"),
        *item_variables("q10"), *item_variables("q11"), "q12", "q13_open", "q14_open",
    ]


def survey_structure() -> list[list[str]]:
    """Rows of the structure table (without header), one per variable and answer choice."""
    rows: list[list[str]] = [["respondentid", "respondentid", "Open", "Number", "Respondent-ID", "", ""]]
    for var, (qtype, text, choices) in BACKGROUND.items():
        if var == "geo_scope":
            rows += [["org_name", "org_name", "Open", "String", "Organisationens navn", "", ""],
                     ["org_id", "org_id", "Open", "String", ORG_ID_TEXT, "", ""],
                     ["contact_email", "contact_email", "Open", "String", "Kontaktpersonens e-mail", "", ""]]
        rows += [[var, var, qtype, "Single", text, str(v), label] for v, label in choices.items()]
        if var == "statoverall":
            rows += [["started", "started", "Open", "DateTime", "Starttidspunkt", "", ""],
                     ["submitted", "submitted", "Open", "DateTime", "Afsendt", "", ""]]
        if var == "geo_scope":
            rows.append(["kommune", "kommune", "Open", "Number",
                         "Hvilken kommune ligger organisationen eller tilbuddet i? (kommunekode)", "", ""])
    for question in ("q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12"):
        if question in SINGLE_QUESTIONS:
            text, choices = SINGLE_QUESTIONS[question]
            rows += [[question, question, "Closed", "Single", text, str(v), label] for v, label in choices.items()]
        elif question in MULTI_QUESTIONS:
            text, listing = MULTI_QUESTIONS[question]
            for item in reference(listing):
                var = f"{question}_{item['item']}"
                rows.append([question, var, "Closed", "Multiple", f"{text} - {item['label_da']}", "1", item["label_da"]])
        else:
            text, listing = SCALE_ITEMS[question]
            for item in reference(listing):
                var = f"{question}_{item['item']}"
                for v, label in [*enumerate(SCALE_1_5, 1), (9, "Ved ikke")]:
                    rows.append([question, var, "Closed", "Single", f"{text} - {item['label_da']}", str(v), label])
    rows += [[var, var, "Open", "String", text, "", ""] for var, text in OPEN_TEXT.items()]
    return rows


def survey_labels() -> list[list[str]]:
    """Rows of the labels table (no header): variable, value, label of every closed variable."""
    labels: list[list[str]] = []
    for question, var, qtype, subtype, _text, value, label in survey_structure():
        if qtype == "Open":
            continue
        if subtype == "Multiple":
            labels += [[var, "0", "Ikke valgt"], [var, "1", "Valgt"]]
        else:
            labels.append([var, value, label])
    return labels


# --- respondents ---------------------------------------------------------------------------

FIRST_NAMES = ["Anne", "Jens", "Mette", "Søren", "Hanne", "Lars", "Kirsten", "Mads", "Birgitte", "Jørgen",
               "Ida", "Peter", "Line", "Ole", "Åse", "Rasmus", "Louise", "Niels", "Camilla", "Bjørn"]
LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
              "Rasmussen", "Jørgensen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Østergaard", "Bæk"]
ORG_FORENING = ["Røde Kors afdeling", "Ældre Sagen", "Besøgsvennerne", "Natteravnene", "Frivilligcenter",
                "Foreningen for Pårørende", "Ungdommens Røde Kors", "Kirkens Korshær", "Mødrehjælpen"]
ORG_KOMMUNAL = ["Bostøtten", "Forsorgshjemmet", "Misbrugscentret", "Aktivitetscentret", "Socialpsykiatrien",
                "Familiehuset", "Ungecentret", "Botilbuddet"]
DOMAINS = ["gmail.com", "frivillig.dk", "kommune.dk", "mail.dk"]
TEXTS = [
    "Vi flyttede samværet online; {name} ringede til alle 40 brugere hver uge.",
    'Døgnåben rådgivning i weekenderne, bemandet med "lånte" medarbejdere fra {org}.',
    "Penge – puljerne løber ud til nytår; ellers lukker vi igen.",
    "Kontakt {name} på {phone} eller {email}, hvis I vil høre mere.",
    "Indkøb og madudbringning til ældre\r\nsammen med {org}; over 200 € sparet på kørsel.",
    "Opsøgende gåture i boligområdet – “walk & talk” med unge.",
    "Mindre bureaukrati; vi fik lov at prøve det, vi havde i skuffen.",
]


def _ascii(name: str) -> str:
    return (name.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
            .replace("é", "e").replace(" ", "."))


def _pick(rng: np.random.Generator, n: int, values: list[int], p: list[float]) -> np.ndarray:
    return rng.choice(np.array(values), size=n, p=np.array(p) / sum(p))


def _pad(values: np.ndarray, n: int) -> np.ndarray:
    """``values`` cut or padded (with BLANK) to ``n`` rows."""
    return values[:n] if len(values) >= n else np.concatenate([values, np.full(n - len(values), BLANK)])


def org_id(index: int) -> str:
    """The invitation list's id of the organisation with this 0-based index."""
    return f"ORG-{index + 1:07d}"


class WaveSimulator:
    """Draws the answers of a wave's invited respondents, chunk by chunk, as integer codes.

    Each chunk has a random generator of its own (seed, wave, chunk), so the follow-up wave can draw
    the first wave's chunk again to see what its re-invited organisations answered then."""

    def __init__(self, wave_id: str, invited: int, seed: int, first_invited: int | None = None) -> None:
        self.wave_id = wave_id
        self.invited = invited
        self.seed = seed
        self.year, self.month = WAVES[wave_id][1]
        self.later = wave_id != min(WAVES)
        self.variables = survey_variables()
        self.kommuner = reference("kommuner")
        self.first_id = 1001 if not self.later else 5001
        # The follow-up wave re-invites the first wave's first organisations (row i is organisation i).
        self.first = (WaveSimulator(min(WAVES), first_invited or invited, seed) if self.later else None)
        self.reinvited = min(round(invited * REINVITED_SHARE), self.first.invited) if self.first else 0

    def chunks(self) -> Iterator[list[list[object]]]:
        """Rows (values per variable of ``survey_variables()`` plus ``ip_address``) in chunks."""
        start = 0
        while start < self.invited:
            n = min(CHUNK_ROWS, self.invited - start)
            yield self._chunk(start, n)
            start += n

    def _rng(self, start: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, int(self.wave_id.replace("-", "")), start // CHUNK_ROWS])

    def draw(self, rng: np.random.Generator, n: int, prior: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """The coded answers of ``n`` invited (before partial answers are cut), with ``statoverall``,
        ``kommune_idx`` and ``geo``. The first ``prior["rows"]`` rows are the organisations of
        ``prior`` (the first wave's draw of the same chunk): they keep their type, place and size, and
        one that answered both waves gives its earlier answers again with probability KEEPS_ANSWERS."""
        cols: dict[str, np.ndarray] = {}
        status = _pick(rng, n, [1, 2, 3, 4, 5], [1, 50, 6, 40, 3])
        answered = (status == 3) | (status == 4)
        org = _pick(rng, n, [1, 2], [60, 40])
        geo_draw = [_pick(rng, n, [1, 2], [95, 5]), _pick(rng, n, [1, 2, 3], [70, 15, 15])]
        kommune_idx = rng.integers(0, len(self.kommuner), n)
        sizes = rng.integers(1, 6, n), rng.integers(1, 6, n)
        same = np.zeros(n, dtype=bool)
        if prior is not None:
            same[:prior["rows"]] = True
            kept = {v: _pad(prior[v], n) for v in ("org_type", "geo", "kommune_idx", "staff_size", "volunteer_size")}
            org = np.where(same, kept["org_type"], org)
            kommune_idx = np.where(same, kept["kommune_idx"], kommune_idx)
            sizes = tuple(np.where(same, kept[v], x) for v, x in zip(("staff_size", "volunteer_size"), sizes))
        kommunal = org == 2
        geo = np.where(kommunal, *geo_draw)
        if prior is not None:
            geo = np.where(same, kept["geo"], geo)
        cols["statoverall"], cols["org_type"], cols["kommune_idx"], cols["geo"] = status, org, kommune_idx, geo

        def when(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
            return np.where(mask, values, BLANK)

        cols["staff_size"], cols["volunteer_size"] = sizes
        cols["geo_scope"] = when(answered, geo)
        for var in item_variables("q1"):
            cols[var] = when(answered, (rng.random(n) < 0.25).astype(int))
        shift = 0.03 if self.later else 0.0  # the later wave innovates a little less
        q2 = np.where(kommunal, _pick(rng, n, [1, 2, 3, 9], [84 - 100 * shift, 10, 4, 2]),
                      _pick(rng, n, [1, 2, 3, 9], [77 - 100 * shift, 13, 7, 3]))
        cols["q2"] = when(answered, q2)
        innov = answered & ((q2 == 1) | (q2 == 2))
        type_p = np.linspace(0.55, 0.08, len(item_variables("q3")))
        for var, p in zip(item_variables("q3"), type_p):
            cols[var] = when(innov, (rng.random(n) < p + 0.05 * kommunal).astype(int))
        cols["q4"] = when(innov, _pick(rng, n, [1, 2, 9], [47, 45, 8]))
        cols["q5"] = when(innov, _pick(rng, n, [1, 2, 3, 4, 5, 9], [4, 12, 30, 34, 14, 6]))
        q6 = np.where(kommunal, _pick(rng, n, [1, 2, 3, 9], [31, 50, 12, 7]),
                      _pick(rng, n, [1, 2, 3, 9], [21, 58, 13, 8]))
        cols["q6"] = when(answered, q6)
        more = q6 == 1
        for var, p in zip(item_variables("q7"), np.linspace(0.4, 0.1, len(item_variables("q7")))):
            cols[var] = when(answered, (rng.random(n) < np.where(more, p, p / 4)).astype(int))
        cols["q8"] = when(answered, _pick(rng, n, [1, 2, 3, 4, 5, 9], [2, 6, 20, 45, 20, 7]))
        for k, var in enumerate(item_variables("q9")):
            hinder = [10 + k, 20, 30, 25 - k, 10, 5] if k < 5 else [20, 30, 25, 12, 6, 7]
            cols[var] = when(answered, _pick(rng, n, [1, 2, 3, 4, 5, 9], hinder))
        for k, var in enumerate(item_variables("q10")):
            cols[var] = when(answered, (rng.random(n) < (0.45 if k < 5 else 0.15)).astype(int))
        for var in item_variables("q11"):
            cols[var] = when(answered, _pick(rng, n, [1, 2, 3, 4, 5, 9], [4, 10, 26, 36, 18, 6]))
        q12_yes = np.where(more, 0.62, 0.5)
        draw = rng.random(n)
        cols["q12"] = when(innov, np.where(draw < q12_yes, 1, np.where(draw < q12_yes + 0.25, 2, 9)))
        if prior is not None:  # the whole questionnaire at once, so its routing stays consistent
            before = _pad(prior["statoverall"], n)
            keeps = same & answered & ((before == 3) | (before == 4)) & (rng.random(n) < KEEPS_ANSWERS)
            for var in self.questions():
                cols[var] = np.where(keeps, _pad(prior[var], n), cols[var])
        return cols

    def questions(self) -> list[str]:
        """The questionnaire's coded questions q1 to q12, in export order."""
        return [v for v in self.variables if v.startswith("q") and not v.endswith("_open")]

    def _chunk(self, start: int, n: int) -> list[list[object]]:
        rng = self._rng(start)
        prior = None
        if self.first is not None and start < self.reinvited:
            first_n = min(CHUNK_ROWS, self.first.invited - start)
            prior = self.first.draw(self.first._rng(start), first_n)
            prior["rows"] = min(n, self.reinvited - start)
        cols = self.draw(rng, n, prior)
        status = cols["statoverall"]
        answered = (status == 3) | (status == 4)
        kommune_idx, geo = cols.pop("kommune_idx"), cols.pop("geo")

        # Partial answers: a respondent with statoverall 3 stopped somewhere after q2.
        order = self.questions()
        stop_at = rng.integers(order.index("q2") + 1, len(order), n)
        for pos, var in enumerate(order):
            cols[var] = np.where((status == 3) & (pos > stop_at), BLANK, cols[var])

        organisation = np.arange(start, start + n)
        if self.first is not None:  # the new organisations of the follow-up wave come after the first wave's
            organisation = np.where(organisation < self.reinvited, organisation,
                                    organisation - self.reinvited + self.first.invited)
        return self._rows(rng, start, n, cols, answered, cols["org_type"] == 2, kommune_idx, geo, status, organisation)

    def _rows(self, rng, start, n, cols, answered, kommunal, kommune_idx, geo, status, organisation) -> list[list[object]]:
        rows: list[list[object]] = []
        faults = rng.random(n) < 0.004
        blank_id = rng.random(n) < BLANK_ORG_ID
        texts = rng.random(n) < 0.6
        zero_pad = rng.random(n) < 0.1
        resubmit = (status == 4) & (rng.random(n) < 0.015)
        day = rng.integers(2, 27, n)
        second = rng.integers(0, 24 * 3600, n)
        duration = rng.integers(8, 50, n)
        coded = [v for v in self.variables if v in cols]
        matrix = np.column_stack([cols[v] for v in coded]).tolist()
        for i in range(n):
            values: dict[str, object] = {v: (None if x == BLANK else x) for v, x in zip(coded, matrix[i])}
            kommune = self.kommuner[kommune_idx[i]]
            town = kommune["kommune_navn"]
            first, last = FIRST_NAMES[(start + i) % 20], LAST_NAMES[(start + i * 7) % 16]
            orgs = ORG_KOMMUNAL if kommunal[i] else ORG_FORENING
            org_name = f"{orgs[int(organisation[i]) % len(orgs)]} {town}"
            email = f"{_ascii(first)}.{_ascii(last)}@{DOMAINS[i % 4]}"
            values["respondentid"] = self.first_id + start + i
            values["org_name"], values["contact_email"] = org_name, email
            values["org_id"] = None if blank_id[i] else org_id(int(organisation[i]))
            values["ip_address"] = f"10.{(start + i) % 250}.{i % 200}.{(i * 7) % 250}"
            began = dt.datetime(self.year, self.month, int(day[i])) + dt.timedelta(seconds=int(second[i]))
            if status[i] in (3, 4, 5):
                values["started"] = began.strftime("%d-%m-%Y %H:%M:%S")
            if status[i] == 4:
                values["submitted"] = (began + dt.timedelta(minutes=int(duration[i]))).strftime("%d-%m-%Y %H:%M:%S")
            if answered[i]:
                national = not kommunal[i] and geo[i] == 3
                code = int(kommune["kommune_kode"])
                values["kommune"] = None if national else (f"{code:04d}" if zero_pad[i] else str(code))
                if status[i] == 4 and texts[i] and values.get("q2") in (1, 2):
                    phone = f"{20 + i % 70} {i % 90 + 10} {(i * 3) % 90 + 10} {(i * 7) % 90 + 10}"
                    template = TEXTS[(start + i) % len(TEXTS)]
                    values["q13_open"] = template.format(name=f"{first} {last}", org=org_name, phone=phone, email=email)
                    values["q14_open"] = f"Faste midler og at {first} {last} ({phone}) kan fortsætte."
                if faults[i]:  # a row fault for the quarantine: unknown code, bad municipality, non-numeric
                    kind = i % 3
                    if kind == 0:
                        values["q2"] = 7
                    elif kind == 1:
                        values["kommune"] = "999"
                    else:
                        values["q8"] = "n/a"
            row = [values.get(v) for v in self.variables] + [values["ip_address"]]
            if resubmit[i]:  # an earlier, superseded submission of the same respondent
                earlier = list(row)
                earlier[self.variables.index("submitted")] = (began - dt.timedelta(days=1)).strftime("%d-%m-%Y %H:%M:%S")
                earlier[self.variables.index("q8")] = 3
                rows.append(earlier)
            rows.append(row)
        return rows


# --- writers -------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def write_csv_export(folder: Path, sim: WaveSimulator, encoding: str = "cp1252", delimiter: str = ";") -> None:
    """The tool's three-file CSV export (Windows-1252, ``;``, CRLF by default)."""
    folder.mkdir(parents=True, exist_ok=True)
    header = sim.variables + ["ip_address"]
    with open(folder / "dataset.csv", "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(header)
        for rows in sim.chunks():
            writer.writerows([[_cell(v) for v in row] for row in rows])
    with open(folder / "structure.csv", "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\r\n")
        # The tool writes an empty trailing column on the structure file.
        writer.writerow(["questionName", "variableName", "questionType", "subType", "questionText",
                         "choiceValue", "choiceText", ""])
        writer.writerows([row + [""] for row in survey_structure()])
    with open(folder / "labels.csv", "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(survey_labels())


def write_excel_export(folder: Path, sim: WaveSimulator) -> None:
    """The tool's Excel export: sheets Dataset, Structure and Labels (column order shuffled)."""
    folder.mkdir(parents=True, exist_ok=True)
    header = sim.variables + ["ip_address"]
    # Column order is not fixed between waves: put the background block last in this one.
    order = [header.index(v) for v in header if v.startswith("q")] + \
            [header.index(v) for v in header if not v.startswith("q")]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Dataset")
    sheet.append([header[i] for i in order])
    for rows in sim.chunks():
        for row in rows:
            sheet.append([_excel_value(header[i], row[i]) for i in order])
    structure = book.create_sheet("Structure")
    structure.append(["questionName", "variableName", "questionType", "subType", "questionText",
                      "choiceValue", "choiceText"])
    for row in survey_structure():
        structure.append([c if c != "" else None for c in row])
    labels = book.create_sheet("Labels")
    for row in survey_labels():
        labels.append(row)
    book.save(folder / "dataset.xlsx")


def _excel_value(variable: str, value: object) -> object:
    if value is None or variable in ("kommune", "started", "submitted") or isinstance(value, str):
        return value
    return int(value)


# --- layout 2: the export as SurveyXact writes it (sources.md 1b) ----------------------------
# The sample's questionnaire in the tool's naming: question s_<n> per concept, in this order (the
# project's study definition studies/innovation-2020-sample.yml maps them back).
LAYOUT2_QUESTIONS = ("org_type", "org_name", "geo_scope", "kommune", "staff_size", "volunteer_size", "q1", "q2",
                     "q3", "q4", "q5", "q6", "q7", "q8", "q9", "q10", "q11", "q12", "q13_open", "q14_open",
                     "org_id")
# Where this questionnaire's "Ved ikke" is 99 (the study definition maps it to the contract's 9).
DONT_KNOW_99 = ("q4", "q12")
# One option list whose choiceValues are not in position order, as in real exports.
SHUFFLED_OPTIONS = "q7"
STATUS_LABELS = ("Ny", "Distribueret", "Nogen svar", "Gennemført", "Frafaldet")
STRUCTURE_HEADER = ("questionName", "variableName", "questionType", "subType", "questionText", "choiceValue",
                    "choiceText")


@dataclass(frozen=True)
class Layout2Variable:
    """One variable of the layout-2 sample export and where its value comes from."""

    source: str  # the layout-1 variable (or a system field) whose value it carries
    question: str
    variable: str
    question_type: str
    sub_type: str
    text: str
    choice_value: str = ""
    labels: tuple[tuple[str, str], ...] = ()


def layout2_variables() -> list[Layout2Variable]:
    """The variables of the layout-2 sample export in structure order (system variables first)."""
    out = [Layout2Variable("respondentid", "respondentid", "responde", "Open", "Double", "Respondent-ID")]
    out += [Layout2Variable(f"status={code}", "statoverall", f"stato_{code}", "Closed", "Multiple",
                            f"Besvarelsesstatus - {label}", str(code), (("0", "Ikke valgt"), ("1", "Valgt")))
            for code, label in enumerate(STATUS_LABELS, 1)]
    out += [Layout2Variable("created", "created", "created", "Open", "Date", "Oprettet"),
            Layout2Variable("modified", "modified", "modified", "Open", "Date", "Ændret"),
            Layout2Variable("submitted", "closeTime", "closetim", "Open", "Date", "Afsluttet"),
            Layout2Variable("started", "startTime", "starttim", "Open", "Date", "Startet"),
            Layout2Variable("contact_email", "email", "email", "Open", "String", "E-mail")]
    for number, source in enumerate(LAYOUT2_QUESTIONS, 1):
        question = f"s_{number}"
        if source in BACKGROUND:
            _qtype, text, choices = BACKGROUND[source]
            out.append(Layout2Variable(source, question, question, "Closed", "Single", text,
                                       labels=tuple((str(v), label) for v, label in choices.items())))
        elif source in SINGLE_QUESTIONS:
            text, choices = SINGLE_QUESTIONS[source]
            recode = {9: 99} if source in DONT_KNOW_99 else {}
            out.append(Layout2Variable(source, question, question, "Closed", "Single", text, labels=tuple(
                (str(recode.get(v, v)), label) for v, label in choices.items())))
        elif source in MULTI_QUESTIONS:
            text, listing = MULTI_QUESTIONS[source]
            items = reference(listing)
            for position, row in enumerate(items, 1):
                # choiceValue is the option's identity; in SHUFFLED_OPTIONS it is not the position
                item = items[position % len(items)] if source == SHUFFLED_OPTIONS else row
                out.append(Layout2Variable(f"{source}_{item['item']}", question, f"{question}_{position}", "Closed",
                                           "Multiple", f"{text} - {item['label_da']}", item["item"],
                                           (("0", "Ikke valgt"), ("1", "Valgt"))))
        elif source in SCALE_ITEMS:
            text, listing = SCALE_ITEMS[source]
            scale = tuple((str(v), label) for v, label in [*enumerate(SCALE_1_5, 1), (9, "Ved ikke")])
            out += [Layout2Variable(f"{source}_{row['item']}", question, f"{question}_{position}", "Closed", "Single",
                                    f"{text} - {row['label_da']}", labels=scale)
                    for position, row in enumerate(reference(listing), 1)]
        elif source == "kommune":
            out.append(Layout2Variable(source, question, question, "Open", "Double",
                                       "Hvilken kommune ligger organisationen eller tilbuddet i? (kommunekode)"))
        elif source == "org_name":
            out.append(Layout2Variable(source, question, question, "Open", "String", "Organisationens navn"))
        elif source == "org_id":
            out.append(Layout2Variable(source, question, question, "Open", "String", ORG_ID_TEXT))
        else:
            out.append(Layout2Variable(source, question, question, "Open", "String", OPEN_TEXT[source]))
    return out


def _layout2_rows(sim: WaveSimulator, variables: list[Layout2Variable]) -> Iterator[list[object]]:
    """The simulated rows in layout 2: values per variable of ``variables`` (None = blank).

    Timestamps stay datetimes (each writer formats them as its format does); codes are integers.
    """
    position = {name: i for i, name in enumerate(sim.variables)}
    recode = {v.source: {9: 99} for v in variables if v.source in DONT_KNOW_99}
    for rows in sim.chunks():
        for row in rows:
            status = int(row[position["statoverall"]])
            stamps = {name: _parse_dk(row[position[name]]) for name in ("started", "submitted")}
            created = dt.datetime(sim.year, sim.month, 1, 8, 0, 0)
            stamps["created"] = created
            stamps["modified"] = stamps["submitted"] or stamps["started"] or created
            values = []
            for var in variables:
                if var.source.startswith("status="):
                    values.append(int(int(var.source[7:]) == status))
                elif var.source in stamps:
                    values.append(stamps[var.source])
                else:
                    value = row[position[var.source]]
                    values.append(recode.get(var.source, {}).get(value, value))
            yield values


def _parse_dk(value: object) -> dt.datetime | None:
    return dt.datetime.strptime(value, "%d-%m-%Y %H:%M:%S") if value else None


def _layout2_text(value: object, iso: bool) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if iso else "%d-%m-%Y %H:%M:%S")
    return "" if value is None else str(value)


def layout2_structure(variables: list[Layout2Variable]) -> list[list[str]]:
    """Structure rows (header first): one row per variable; a Single's codes are only in the labels."""
    return [list(STRUCTURE_HEADER)] + [
        [v.question, v.variable, v.question_type, v.sub_type, v.text, v.choice_value,
         dict(v.labels).get("1", "") if v.sub_type == "Multiple" else ""] for v in variables]


def layout2_labels(variables: list[Layout2Variable]) -> list[list[str]]:
    """Label rows (no header): variable, value, label of every closed variable."""
    return [[v.variable, code, label] for v in variables for code, label in v.labels]


def write_layout2_csv(folder: Path, sim: WaveSimulator, international: bool) -> None:
    """The tool's CSV export: "international" (UTF-16 LE with BOM, tab, ISO timestamps, quoted
    labels, LF dataset and CRLF structure and labels, named like its REST export) or "EU"
    (Windows-1252, ``;``, Danish timestamps, CRLF)."""
    folder.mkdir(parents=True, exist_ok=True)
    variables = layout2_variables()
    encoding, delimiter = ("utf-16", "\t") if international else ("cp1252", ";")
    suffix = "_da" if international else ""
    dataset_end = "\n" if international else "\r\n"
    with open(folder / "dataset.csv", "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=dataset_end)
        writer.writerow([v.variable for v in variables])
        for values in _layout2_rows(sim, variables):
            writer.writerow([_layout2_text(x, international) for x in values])
    with open(folder / f"structure{suffix}.csv", "w", encoding=encoding, newline="") as handle:
        # the tool ends every structure line with an empty trailing column
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(
            [row + [""] for row in layout2_structure(variables)])
    with open(folder / f"labels{suffix}.csv", "w", encoding=encoding, newline="") as handle:
        quoting = csv.QUOTE_NONNUMERIC if international else csv.QUOTE_MINIMAL
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n", quoting=quoting).writerows(
            [[name, int(code), label] for name, code, label in layout2_labels(variables)])


def write_layout2_excel(folder: Path, sim: WaveSimulator, name: str) -> None:
    """The tool's Excel export under its own file name: sheets Labels, Variables, Dataset, Complete,
    Structure; numbers as floats, timestamps as date cells, Complete with label texts."""
    folder.mkdir(parents=True, exist_ok=True)
    variables = layout2_variables()
    book = openpyxl.Workbook(write_only=True)
    labels, described, dataset, complete, structure = (book.create_sheet(s) for s in (
        "Labels", "Variables", "Dataset", "Complete", "Structure"))
    for row in layout2_labels(variables):
        labels.append([row[0], float(row[1]), row[2]])
    described.append(["Variable", "Description"])
    for var in variables:
        described.append([var.variable, var.text])
    dataset.append([v.variable for v in variables])
    complete.append([v.variable for v in variables])
    texts = [dict(v.labels) for v in variables]
    for values in _layout2_rows(sim, variables):
        dataset.append([float(x) if isinstance(x, (int, np.integer)) else x for x in values])
        complete.append([text.get(str(x), x) if text else x for text, x in zip(texts, values)])
    for row in layout2_structure(variables):
        structure.append([c if c != "" else None for c in row])
    book.save(folder / name)


def write_interview_log(path: Path, seed: int, count: int = 34) -> None:
    """The hand-kept interview workbook: a cover sheet and the ``Interviews`` sheet."""
    rng = np.random.default_rng([seed, 7])
    sectors = [row["label_da"] for row in reference("interview_sectors")]
    themes = [row["label_da"] for row in reference("themes")]
    roles = ["Direktør", "Chef for socialområdet", "Frivillig koordinator", "Forsker", "Konsulent", "Leder"]
    orgs = ["KL", "Rambøll Management", "Roskilde Universitet", "Socialstyrelsen", "Røde Kors",
            "Ældre Sagen", "Aarhus Kommune", "VIVE", "Frivilligrådet", "Region Midtjylland"]
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "Forside"
    cover.append(["Interviewlog – Innovation på socialområdet i en krisetid"])
    sheet = book.create_sheet("Interviews")
    sheet.append(["Interview-ID", "Dato", "Interviewer", "Navn", "E-mail", "Telefon", "Organisation",
                  "Sektor", "Rolle", "Temaer", "Varighed (min)", "Samtykke", "Status"])
    for i in range(count):
        first, last = FIRST_NAMES[(i * 3) % 20], LAST_NAMES[(i * 5) % 16]
        sector = sectors[int(rng.integers(len(sectors)))]
        sector = [sector, sector.upper(), f"  {sector.lower()} "][i % 3]  # hand-typed variants
        picked = rng.choice(len(themes), size=int(rng.integers(1, 4)), replace=False)
        theme_text = ", ".join(themes[j] if (i + j) % 4 else f" {themes[j].lower()}" for j in picked)
        status = "Gennemført" if i < count - 3 else ("Planlagt" if i % 2 else "Aflyst")
        sheet.append([
            f"I-{i + 1:03d}", dt.datetime(2020, 6, 2) + dt.timedelta(days=int(rng.integers(0, 90))),
            ["AHB", "JKL", "MSP"][i % 3], f"{first} {last}", f"{_ascii(first)}.{_ascii(last)}@example.dk",
            f"{20 + i} {40 + i} {10 + i} {60 + i}", orgs[i % len(orgs)], sector, roles[i % len(roles)],
            theme_text, int(rng.choice([30, 45, 60, 90])), "Nej" if i % 11 == 5 else "Ja", status,
        ])
    book.save(path)


def write_cases(folder: Path, seed: int, count: int = 12) -> None:
    """One JSON file per case, the Aarhus case from the study among them."""
    rng = np.random.default_rng([seed, 11])
    folder.mkdir(parents=True, exist_ok=True)
    kommuner = reference("kommuner")
    org_types = [row["key"] for row in reference("case_org_types")]
    cases = [{
        "case_id": "aarhus-ensomhed", "title": "Fælles front mod ensomhed i Aarhus", "municipality_code": 751,
        "lead": {"name": "Aarhus Kommune", "type": "kommune"},
        "partners": [{"name": "Røde Kors Aarhus", "type": "landsdaekkende_organisation"},
                     {"name": "Ældre Sagen Aarhus", "type": "landsdaekkende_organisation"},
                     {"name": "Folkekirken i Aarhus", "type": "trossamfund"}],
        "target_groups": ["aeldre", "ensomme"],
        "innovation_types": ["nye_samarbejdspartnere", "telefonraadgivning"],
        "barriers_overcome": ["vante_roller", "bureaukrati"], "started": "2020-03-20", "status": "videreført",
        "contact": {"name": "Hanne Thomsen", "email": "hanne.thomsen@example.dk", "phone": "87 13 20 00"},
        "summary": "Kommunen blev facilitator for samvirket mellem borgere og civile organisationer.",
    }]
    for i in range(1, count):
        kommune = kommuner[int(rng.integers(len(kommuner)))]
        town = kommune["kommune_navn"]

        def sample(listing: str, most: int) -> list[str]:
            keys = [row["key"] for row in reference(listing)]
            return [keys[j] for j in rng.choice(len(keys), size=int(rng.integers(1, most + 1)), replace=False)]

        cases.append({
            "case_id": f"case-{i:03d}", "title": f"Sammen hver for sig i {town}",
            "municipality_code": int(kommune["kommune_kode"]),
            "lead": {"name": f"{ORG_KOMMUNAL[i % len(ORG_KOMMUNAL)]} {town}", "type": org_types[i % 2]},
            "partners": [{"name": f"{ORG_FORENING[(i + j) % len(ORG_FORENING)]} {town}",
                          "type": org_types[2 + (i + j) % (len(org_types) - 2)]} for j in range(i % 4)],
            "target_groups": sample("target_groups", 3), "innovation_types": sample("innovation_types", 3),
            "barriers_overcome": sample("barriers", 2),
            "started": (dt.date(2020, 3, 15) + dt.timedelta(days=int(rng.integers(0, 60)))).isoformat(),
            "status": ["videreført", "afsluttet", "sat_på_pause"][i % 3],
            "contact": {"name": f"{FIRST_NAMES[i]} {LAST_NAMES[i]}", "email": f"kontakt{i}@example.dk",
                        "phone": f"{30 + i} {11 + i} {20 + i} {40 + i}"},
            "summary": f"Visitationen blev forenklet; {FIRST_NAMES[i]} koordinerede frivillige i {town}.",
        })
    for case in cases:
        (folder / f"{case['case_id']}.json").write_text(json.dumps(case, ensure_ascii=False, indent=2),
                                                       encoding="utf-8")


def write_frame(path: Path, invited: int) -> None:
    """The population frame per region and segment, scaled to the size of the study."""
    base = {"Region Hovedstaden": (1363, 493), "Region Midtjylland": (1007, 247),
            "Region Nordjylland": (660, 154), "Region Sjælland": (748, 357), "Region Syddanmark": (1034, 484)}
    scale = max(1.0, invited / 2300)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["region_navn", "segment", "population"])
        for region, (forening, kommunal) in base.items():
            writer.writerow([region, "forening", round(forening * scale)])
            writer.writerow([region, "kommunalt_tilbud", round(kommunal * scale)])
        writer.writerow(["Landsdækkende", "forening", round(329 * scale)])


def write_landing_tree(out: Path, invited: int = 2300, seed: int = 2020, csv_only: bool = False,
                       layout: int = 2) -> Path:
    """Write the whole sample landing tree under ``out`` and return it.

    ``layout=2`` (the default, what ``make run`` writes) writes the waves as SurveyXact writes them:
    the first in its international CSV format (UTF-16, tab), the later one as its Excel workbook
    (or EU CSV when too big for a sheet). ``layout=1`` writes the project's first deliveries
    (Windows-1252 CSV, then ``dataset.xlsx``). ``csv_only`` writes every wave as a layout-1 UTF-8
    CSV export (a re-saved export the contract accepts), which plain DuckDB can read too: the
    benchmarks' floor needs that.
    """
    for wave_id, (share, (year, month)) in WAVES.items():
        sim = WaveSimulator(wave_id, max(1, round(invited * share)), seed, first_invited=invited)
        folder = out / "survey" / f"wave={wave_id}"
        later = wave_id != min(WAVES)
        if csv_only:
            write_csv_export(folder, sim, encoding="utf-8")
        elif layout == 1:
            write_excel_export(folder, sim) if later and sim.invited <= EXCEL_MAX_INVITED else write_csv_export(folder, sim)
        elif later and sim.invited <= EXCEL_MAX_INVITED:
            write_layout2_excel(folder, sim, f"dataset_1488637_{year}{month:02d}15_1825827966544069436.xlsx")
        else:
            write_layout2_csv(folder, sim, international=not later)
    write_interview_log(out / "interviews" / "interview_log.xlsx", seed)
    write_cases(out / "cases", seed)
    write_frame(out / "frame" / "population_frame.csv", invited)
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--out``, ``--invited``, ``--seed``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write (must be empty)")
    parser.add_argument("--invited", type=int, default=2300, help="invited respondents in the first wave")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--layout", type=int, choices=(1, 2), default=2,
                        help="2: as SurveyXact writes its exports (default); 1: the first deliveries")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} is not empty: the generator never writes into a filled landing zone")
    write_landing_tree(args.out, args.invited, args.seed, layout=args.layout)
    print(f"sample landing tree written to {args.out}")


if __name__ == "__main__":
    main()
