-- One row per counted wave row: background and headline single-choice answers, wide.
-- Grain: wave_id x line.
select
    r.wave_id,
    r.line,
    max(case when a.variable = 'org_type' then a.value_code end) as org_type,
    max(case when a.variable = 'geo_scope' then a.value_code end) as geo_scope,
    max(case when a.variable = 'kommune' then a.value_code end) as kommune_kode,
    max(case when a.variable = 'staff_size' then a.value_code end) as staff_size,
    max(case when a.variable = 'volunteer_size' then a.value_code end) as volunteer_size,
    max(case when a.variable = 'q2' then a.value_code end) as q2,
    max(case when a.variable = 'q4' then a.value_code end) as q4,
    max(case when a.variable = 'q5' then a.value_code end) as q5,
    max(case when a.variable = 'q6' then a.value_code end) as q6,
    max(case when a.variable = 'q8' then a.value_code end) as q8,
    max(case when a.variable = 'q12' then a.value_code end) as q12
from {{ ref('stg_survey__respondents') }} as r
left join {{ ref('int_survey__clean_answers') }} as a
    on r.wave_id = a.wave_id and r.line = a.line
where r.record_status <> 'superseded'
group by r.wave_id, r.line
