-- Does the innovation last? Per pair of waves (wave_from < wave_to) x segment x metric, the
-- organisations paired by org_id (fct_panel_metric): how many had the metric in each wave and in
-- both, the persistence n_yes_both / n_yes_from with its Wilson interval, and the exact McNemar test
-- of the discordant pairs (metrics.md, "The panel"). Suppression on n_pairs, with complementary
-- suppression along segment to alle. Empty unless both waves of a pair map org_id.
{%- set counts %}
    select g.wave_from, g.wave_to, g.segment, g.metric,
           cast(coalesce(c.n_pairs, 0) as integer) as n_pairs,
           cast(coalesce(c.n_yes_from, 0) as integer) as n_yes_from,
           cast(coalesce(c.n_yes_to, 0) as integer) as n_yes_to,
           cast(coalesce(c.n_yes_both, 0) as integer) as n_yes_both
    from grid as g
    left join (
        select
            f.wave_from, f.wave_to, s.segment, f.metric,
            count(*) as n_pairs,
            sum(case when f.is_yes_from then 1 else 0 end) as n_yes_from,
            sum(case when f.is_yes_to then 1 else 0 end) as n_yes_to,
            sum(case when f.is_yes_from and f.is_yes_to then 1 else 0 end) as n_yes_both
        from {{ ref('fct_panel_metric') }} as f
        {{ in_segments('f') }}
        group by f.wave_from, f.wave_to, s.segment, f.metric
    ) as c
        on g.wave_from = c.wave_from and g.wave_to = c.wave_to and g.segment = c.segment and g.metric = c.metric
{%- endset %}

with pairs as (
    select f.wave_id as wave_from, t.wave_id as wave_to
    from {{ ref('dim_wave') }} as f
    inner join {{ ref('dim_wave') }} as t
        on f.wave_id < t.wave_id
    where f.maps_org_id and t.maps_org_id
),

grid as (
    -- every segment of wave_from (the pair's segment is the organisation's there) x every metric of both
    select p.wave_from, p.wave_to, s.segment, m.metric
    from pairs as p
    inner join {{ ref('dim_wave_segment') }} as s
        on s.wave_id = p.wave_from
    inner join {{ ref('dim_wave_metric') }} as m
        on m.wave_id = p.wave_from
    inner join {{ ref('dim_wave_metric') }} as mt
        on mt.wave_id = p.wave_to and mt.metric = m.metric
),

{{ suppressed_cells('counted', counts, ['wave_from', 'wave_to', 'metric'], base='n_pairs') }},

discordant as (
    select wave_from, wave_to, segment, metric, n_yes_from - n_yes_both as b, n_yes_to - n_yes_both as c
    from counted
    where not suppressed
),

tested as (
    {{ mcnemar_exact_p('discordant', ['wave_from', 'wave_to', 'segment', 'metric']) }}
)

select
    c.wave_from,
    c.wave_to,
    c.segment,
    c.metric,
    c.n_pairs,
    {{ unless_suppressed('c.n_yes_from', 'c.suppressed') }} as n_yes_from,
    {{ unless_suppressed('c.n_yes_to', 'c.suppressed') }} as n_yes_to,
    {{ unless_suppressed('c.n_yes_both', 'c.suppressed') }} as n_yes_both,
    {{ unless_suppressed('cast(c.n_yes_from as double) / c.n_pairs', 'c.suppressed') }} as share_from,
    {{ unless_suppressed('cast(c.n_yes_to as double) / c.n_pairs', 'c.suppressed') }} as share_to,
    {{ unless_suppressed('cast(c.n_yes_both as double) / c.n_yes_from', 'c.persistence_hidden') }} as persistence,
    {{ unless_suppressed(wilson_low('c.n_yes_both', 'c.n_yes_from'), 'c.persistence_hidden') }} as persistence_ci_low,
    {{ unless_suppressed(wilson_high('c.n_yes_both', 'c.n_yes_from'), 'c.persistence_hidden') }} as persistence_ci_high,
    {{ unless_suppressed('t.mcnemar_p', 'c.suppressed') }} as mcnemar_p,
    coalesce(not c.suppressed and t.mcnemar_p < 0.05, false) as significant,
    c.suppressed,
    c.secondary_suppressed
from (
    select counted.*, suppressed or {{ is_suppressed('n_yes_from') }} as persistence_hidden
    from counted
) as c
left join tested as t
    on c.wave_from = t.wave_from and c.wave_to = t.wave_to and c.segment = t.segment and c.metric = t.metric
