-- Multi-item answers (q1, q3, q7, q9, q10, q11) of answered, current rows, keyed by respondent.
-- Grain: wave_id x respondent_key x question x item.
select
    r.wave_id,
    r.respondent_key,
    a.question,
    a.item,
    a.value_code
from {{ ref('int_survey__clean_answers') }} as a
inner join {{ ref('int_survey__rows') }} as r
    on a.wave_id = r.wave_id and a.line = r.line
where r.is_answered and a.item is not null
