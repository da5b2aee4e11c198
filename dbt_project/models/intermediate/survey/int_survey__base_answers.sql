-- Answers of the analysis base (statoverall 4, current rows), each once per segment it counts in
-- ('alle' and its own segment). Grain: wave_id x line x variable x segment.
with base as (
    select wave_id, line, segment
    from {{ ref('int_survey__rows') }}
    where is_completed
),

in_segments as (
    select b.wave_id, b.line, s.segment
    from base as b
    inner join ({{ segments() }}) as s
        on s.segment = 'alle' or s.segment = b.segment
)

select
    i.wave_id,
    i.line,
    i.segment,
    a.variable,
    a.question,
    a.value_code
from in_segments as i
inner join {{ ref('stg_survey__answers') }} as a
    on i.wave_id = a.wave_id and i.line = a.line
