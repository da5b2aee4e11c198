-- Grain: respondent x wave x enabler: how much it made the change possible (concept enablers; 9 = ved ikke).
-- Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
select
    a.wave_id,
    a.line,
    a.respondent_key,
    e.enabler_key,
    case when a.value_code between 1 and 5 then a.value_code end as enabler_score,
    a.value_code = 9 as enabler_dont_know,
    a.value_code in (4, 5) as enabler_high
from {{ ref('int_survey__item_answers') }} as a
inner join {{ ref('dim_enabler') }} as e
    on a.item = e.item
where a.concept = 'enablers' and {{ in_rebuilt_waves('a.wave_id') }}
