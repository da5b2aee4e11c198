-- Headline metrics per wave x segment x metric (metrics.md), Wilson intervals, suppression n < 5.
with metrics as (
    select 'markant_innovation' as metric union all select 'innovation' union all select 'skuffeide'
    union all select 'forventer_varighed' union all select 'flere_eksterne_aktoerer'
    union all select 'kan_laere_af' union all select 'nye_partnere'
),

grid as (
    select w.wave_id, s.segment, m.metric
    from (select distinct wave_id from {{ ref('int_survey__rows') }}) as w
    cross join ({{ segments() }}) as s
    cross join metrics as m
),

counted as (
    select
        wave_id, segment, metric,
        sum(case when in_base then 1 else 0 end) as n_base,
        sum(case when in_base and is_yes then 1 else 0 end) as n_yes
    from {{ ref('int_survey__headline_flags') }}
    group by wave_id, segment, metric
),

filled as (
    select g.wave_id, g.segment, g.metric,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           cast(coalesce(c.n_yes, 0) as integer) as n_yes
    from grid as g
    left join counted as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.metric = c.metric
)

select
    wave_id,
    segment,
    metric,
    n_base,
    {{ share_columns('n_yes', 'n_base') }}
from filled
