-- Headline metrics per wave x region and per wave x municipality (segment alle), with Wilson
-- intervals and suppression, for the report's region pages; from fct_headline_metric and the
-- respondent's municipality in fct_survey_response. Every municipality of the reference list
-- appears for every wave (an empty one is published suppressed). Complementary suppression along
-- the hierarchy: the regions are the parts of the whole country (headline_metrics, alle), the
-- municipalities the parts of their region.
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
),

country as (
    select wave_id, metric, n_base
    from ({{ headline_counts() }}) as h
    where segment = 'alle'
),

region_flags as (
    {{ complementary_suppression(
        "(select r.wave_id, r.metric, r.region_navn, r.n_base, c.n_base as parent_base, "
        ~ is_suppressed('c.n_base') ~ " as parent_hidden from filled as r inner join country as c"
        ~ " on r.wave_id = c.wave_id and r.metric = c.metric where r.area_level = 'region')",
        ['wave_id', 'metric'], 'region_navn') }}
),

kommune_flags as (
    {{ complementary_suppression(
        "(select k.wave_id, k.metric, k.region_navn, k.kommune_kode, k.n_base, r.n_base as parent_base,"
        ~ " f.suppressed as parent_hidden from filled as k"
        ~ " inner join filled as r on k.wave_id = r.wave_id and k.metric = r.metric"
        ~ " and k.region_navn = r.region_navn and r.area_level = 'region'"
        ~ " inner join region_flags as f on r.wave_id = f.wave_id and r.metric = f.metric"
        ~ " and r.region_navn = f.region_navn where k.area_level = 'kommune')",
        ['wave_id', 'metric', 'region_navn'], 'kommune_kode') }}
),

flagged as (
    select l.*, f.suppressed, f.secondary_suppressed
    from filled as l
    inner join region_flags as f
        on l.wave_id = f.wave_id and l.metric = f.metric and l.region_navn = f.region_navn
    where l.area_level = 'region'
    union all
    select l.*, f.suppressed, f.secondary_suppressed
    from filled as l
    inner join kommune_flags as f
        on l.wave_id = f.wave_id and l.metric = f.metric and l.kommune_kode = f.kommune_kode
    where l.area_level = 'kommune'
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
from flagged
