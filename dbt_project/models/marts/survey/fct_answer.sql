-- Grain: base respondent (statoverall 4, current row) x wave x variable: every coded or numeric
-- answer of the analysis base, in the export's code and the contract's, with the respondent's
-- segment (NULL when unknown) to count it by. Free text and identifying variables never reach it.
-- A view, like int_survey__base_answers: each reader filters on its questions, and a copy of
-- every answer would cost more than any reader (BENCHMARKS.md).
{{ config(materialized='view', tags=['by_wave']) }}
select
    wave_id,
    line,
    segment,
    variable,
    concept,
    item,
    export_code,
    value_code
from {{ ref('int_survey__base_answers') }}
