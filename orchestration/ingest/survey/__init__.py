"""Survey waves: read the tool's export (CSV files or one workbook) into the raw layer.

Two layouts are read (sources.md): layout 2, what SurveyXact writes (files found by name prefix or
one workbook under any name, short variable names resolved through the structure, the status as
five 0/1 dummies or none, no respondentid in filtered exports, ``modified``/``closeTime``, ISO or
Danish timestamps, Open/Double and Open/Date values, negative and unlabelled codes, the tool's
system variables), and layout 1, the project's first deliveries. The study definition
(``orchestration.study``) says which question carries which concept; the raw variables table
records each variable's concept and reference item, and ``code_map`` the code translations.

One module per step, each readable and tested alone: ``structure`` (the variables, from the
structure and labels rows), ``export`` (the files and loading them into DuckDB), ``shape`` (the
wave under the study definition), ``rules`` (the pandera schema, re-submissions, the threshold),
``write`` (the raw wave folder) and ``reader`` (the steps in order).
"""

from orchestration.ingest.survey.reader import WaveReader, WaveResult

__all__ = ["WaveReader", "WaveResult"]
