-- One row per wave row that counts (re-submissions resolved), with its segment and flags.
-- A row whose org_type is quarantined (or blank) has no segment: it counts only under 'alle'.
-- Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
select
    r.wave_id,
    r.line,
    r.respondent_key,
    r.org_key,
    r.org_key_source,
    r.statoverall,
    r.started_at,
    r.submitted_at,
    r.record_status,
    r.record_status = 'quarantined' as is_quarantined,
    r.statoverall in (3, 4) and r.record_status = 'current' as is_answered,
    r.statoverall = 4 and r.record_status = 'current' as is_completed,
    case p.org_type when 1 then 'forening' when 2 then 'kommunalt_tilbud' end as segment
from {{ ref('stg_survey__respondents') }} as r
left join {{ ref('int_survey__respondent_profile') }} as p
    on r.wave_id = p.wave_id and r.line = p.line
where r.record_status <> 'superseded' and {{ in_rebuilt_waves('r.wave_id') }}
