-- One row per survey wave, with its fieldwork period and size, the re-submissions it superseded,
-- why it has no weights (NULL when it has) and whether its study maps org_id (the panel's link).
with superseded as (
    select wave_id, count(*) as n_superseded
    from {{ ref('stg_survey__respondents') }}
    where record_status = 'superseded'
    group by wave_id
),

panel as (
    select distinct wave_id from {{ ref('stg_survey__variables') }} where concept = 'org_id'
),

weighting as (
    select wave_id, max(weight_note) as weight_note
    from {{ ref('int_survey__weights') }}
    group by wave_id
)

select
    r.wave_id,
    cast(substr(r.wave_id, 1, 4) as integer) as wave_year,
    cast(substr(r.wave_id, 6, 2) as integer) as wave_month,
    cast(min(cast(r.started_at as date)) as date) as fieldwork_first_day,
    cast(max(cast(r.submitted_at as date)) as date) as fieldwork_last_day,
    cast(count(*) as integer) as n_rows,
    cast(coalesce(max(s.n_superseded), 0) as integer) as n_superseded,
    cast(max(w.weight_note) as string) as weight_note,
    max(pn.wave_id) is not null as maps_org_id
from {{ ref('int_survey__rows') }} as r
left join superseded as s
    on r.wave_id = s.wave_id
left join weighting as w
    on r.wave_id = w.wave_id
left join panel as pn
    on r.wave_id = pn.wave_id
group by r.wave_id
