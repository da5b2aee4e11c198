-- Response per wave x segment, as metrics.md defines it; from fct_survey_response.
with counted as (
    select
        r.wave_id,
        s.segment,
        count(*) as n_invited,
        sum(case when r.is_answered then 1 else 0 end) as n_answered,
        sum(case when r.is_completed then 1 else 0 end) as n_completed,
        sum(case when r.is_quarantined then 1 else 0 end) as n_quarantined
    from {{ ref('fct_survey_response') }} as r
    {{ in_segments('r') }}
    group by r.wave_id, s.segment
)

select
    w.wave_id,
    s.segment,
    cast(coalesce(c.n_invited, 0) as integer) as n_invited,
    cast(coalesce(c.n_answered, 0) as integer) as n_answered,
    cast(coalesce(c.n_completed, 0) as integer) as n_completed,
    case when coalesce(c.n_invited, 0) > 0 then cast(c.n_completed as double) / c.n_invited end as response_rate,
    cast(coalesce(c.n_quarantined, 0) as integer) as n_quarantined,
    case when s.segment = 'alle' then w.n_superseded end as n_superseded
from {{ ref('dim_wave_segment') }} as s
inner join {{ ref('dim_wave') }} as w
    on s.wave_id = w.wave_id
left join counted as c
    on w.wave_id = c.wave_id and s.segment = c.segment
