-- One row per wave row that counts (re-submissions resolved), with its segment.
-- A row whose org_type is quarantined (or blank) has no segment: it counts only under 'alle'.
with rows as (
    select * from {{ ref('stg_survey__respondents') }}
    where record_status <> 'superseded'
),

org_type as (
    select a.wave_id, a.line, a.value_code as org_type
    from {{ ref('stg_survey__answers') }} as a
    left join {{ ref('stg_survey__quarantine') }} as q
        on a.wave_id = q.wave_id and a.line = q.line and a.variable = q.variable
    where a.variable = 'org_type' and q.line is null
)

select
    r.wave_id,
    r.line,
    r.respondent_key,
    r.statoverall,
    r.record_status = 'quarantined' as is_quarantined,
    r.statoverall in (3, 4) and r.record_status = 'current' as is_answered,
    r.statoverall = 4 and r.record_status = 'current' as is_completed,
    case o.org_type when 1 then 'forening' when 2 then 'kommunalt_tilbud' end as segment
from rows as r
left join org_type as o
    on r.wave_id = o.wave_id and r.line = o.line
