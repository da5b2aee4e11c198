-- Answers of the rows that count (superseded re-submissions left out), with each cell that broke
-- a row rule removed. Grain: wave_id x line x variable. Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
select
    a.wave_id,
    a.line,
    a.variable,
    a.concept,
    a.item,
    a.export_code,
    a.value_code
from {{ ref('stg_survey__answers') }} as a
inner join {{ ref('stg_survey__respondents') }} as r
    on a.wave_id = r.wave_id and a.line = r.line
left join {{ ref('stg_survey__quarantine') }} as q
    on a.wave_id = q.wave_id and a.line = q.line and a.variable = q.variable
where r.record_status <> 'superseded' and q.line is null and {{ in_rebuilt_waves('a.wave_id') }}
