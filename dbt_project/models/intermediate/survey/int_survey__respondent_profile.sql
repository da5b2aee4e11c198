-- One row per counted wave row: background and headline single-choice answers (study concepts), wide.
-- Grain: wave_id x line. Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
select
    r.wave_id,
    r.line,
    max(case when a.concept = 'org_type' then a.value_code end) as org_type,
    max(case when a.concept = 'geo_scope' then a.value_code end) as geo_scope,
    max(case when a.concept = 'kommune' then a.value_code end) as kommune_kode,
    max(case when a.concept = 'staff_size' then a.value_code end) as staff_size,
    max(case when a.concept = 'volunteer_size' then a.value_code end) as volunteer_size,
    max(case when a.concept = 'innovation' then a.value_code end) as innovation,
    max(case when a.concept = 'drawer_ideas' then a.value_code end) as drawer_ideas,
    max(case when a.concept = 'durability' then a.value_code end) as durability,
    max(case when a.concept = 'more_partners' then a.value_code end) as more_partners,
    max(case when a.concept = 'collaboration' then a.value_code end) as collaboration,
    max(case when a.concept = 'others_can_learn' then a.value_code end) as others_can_learn
from {{ ref('stg_survey__respondents') }} as r
left join {{ ref('int_survey__clean_answers') }} as a
    on r.wave_id = a.wave_id and r.line = a.line
where r.record_status <> 'superseded' and {{ in_rebuilt_waves('r.wave_id') }}
group by r.wave_id, r.line
