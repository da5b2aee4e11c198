-- Response per wave x segment, as metrics.md defines it.
with rows as (
    select * from {{ ref('int_survey__rows') }}
),

superseded as (
    select wave_id, count(*) as n_superseded
    from {{ ref('stg_survey__respondents') }}
    where record_status = 'superseded'
    group by wave_id
),

counted as (
    select
        r.wave_id,
        s.segment,
        count(*) as n_invited,
        sum(case when r.is_answered then 1 else 0 end) as n_answered,
        sum(case when r.is_completed then 1 else 0 end) as n_completed,
        sum(case when r.is_quarantined then 1 else 0 end) as n_quarantined
    from rows as r
    {{ in_segments('r') }}
    group by r.wave_id, s.segment
),

waves as (
    select wave_id, segment from {{ ref('int_survey__wave_segments') }}
)

select
    w.wave_id,
    s.segment,
    cast(coalesce(c.n_invited, 0) as integer) as n_invited,
    cast(coalesce(c.n_answered, 0) as integer) as n_answered,
    cast(coalesce(c.n_completed, 0) as integer) as n_completed,
    case when coalesce(c.n_invited, 0) > 0 then cast(c.n_completed as double) / c.n_invited end as response_rate,
    cast(coalesce(c.n_quarantined, 0) as integer) as n_quarantined,
    case when s.segment = 'alle' then cast(coalesce(p.n_superseded, 0) as integer) end as n_superseded
from waves as s
inner join (select distinct wave_id from rows) as w
    on s.wave_id = w.wave_id
left join counted as c
    on w.wave_id = c.wave_id and s.segment = c.segment
left join superseded as p
    on w.wave_id = p.wave_id and s.segment = 'alle'
