-- Item answers (the item concepts: target groups, innovation types, partner types, barriers, enablers) of answered, current rows, keyed by respondent.
-- A view, not a table: the marts read one question each, and copying every item answer with its
-- 64-character respondent key was the costliest step of a large refresh.
-- Grain: wave_id x line x concept x item (one respondent_key per line).
{{ config(materialized='view', tags=['by_wave']) }}
select
    r.wave_id,
    a.line,
    r.respondent_key,
    a.concept,
    a.item,
    a.value_code
from {{ ref('int_survey__clean_answers') }} as a
inner join {{ ref('int_survey__rows') }} as r
    on a.wave_id = r.wave_id and a.line = r.line
where r.is_answered and a.item is not null
