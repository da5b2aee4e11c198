-- Headline metrics per wave x region and per wave x municipality (segment alle), with Wilson
-- intervals and suppression, for the report's region pages; from fct_headline_metric and the
-- respondent's municipality in fct_survey_response. Every municipality of the reference list
-- appears for every wave (an empty one is published suppressed).
with areas as (
    select 'region' as area_level, region_navn, cast(null as integer) as kommune_kode,
           cast(null as string) as kommune_navn
    from {{ ref('dim_municipality') }}
    group by region_navn
    union all
    select 'kommune', region_navn, kommune_kode, kommune_navn
    from {{ ref('dim_municipality') }}
    where not is_national_or_unknown
),

grid as (
    select m.wave_id, a.area_level, a.region_navn, a.kommune_kode, a.kommune_navn, m.metric
    from {{ ref('dim_wave_metric') }} as m
    cross join areas as a
),

flags as (
    select f.wave_id, f.metric, f.in_base, f.is_yes, d.region_navn, d.kommune_kode
    from {{ ref('fct_headline_metric') }} as f
    inner join {{ ref('fct_survey_response') }} as r
        on f.wave_id = r.wave_id and f.line = r.line
    inner join {{ ref('dim_municipality') }} as d
        on r.kommune_kode = d.kommune_kode
),

by_region as (
    select wave_id, metric, 'region' as area_level, region_navn, cast(null as integer) as kommune_kode,
           sum(case when in_base then 1 else 0 end) as n_base,
           sum(case when in_base and is_yes then 1 else 0 end) as n_yes
    from flags
    group by wave_id, metric, region_navn
),

by_kommune as (
    select wave_id, metric, 'kommune' as area_level, region_navn, kommune_kode,
           sum(case when in_base then 1 else 0 end) as n_base,
           sum(case when in_base and is_yes then 1 else 0 end) as n_yes
    from flags
    where kommune_kode <> 0
    group by wave_id, metric, region_navn, kommune_kode
),

counted as (
    select * from by_region
    union all
    select * from by_kommune
),

filled as (
    select g.wave_id, g.area_level, g.region_navn, g.kommune_kode, g.kommune_navn, g.metric,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           cast(coalesce(c.n_yes, 0) as integer) as n_yes
    from grid as g
    left join counted as c
        on g.wave_id = c.wave_id and g.metric = c.metric and g.area_level = c.area_level
        and g.region_navn = c.region_navn
        and coalesce(g.kommune_kode, -1) = coalesce(c.kommune_kode, -1)
)

select
    wave_id,
    area_level,
    region_navn,
    kommune_kode,
    kommune_navn,
    metric,
    n_base,
    {{ share_columns('n_yes', 'n_base') }}
from filled
