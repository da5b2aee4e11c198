-- Headline metrics per wave x segment x metric (metrics.md), Wilson intervals, suppression n < 5,
-- and the estimates weighted to the population frame with Kish's effective n.
with grid as (
    -- the metrics each wave's study maps (an unmapped concept's metrics are not published)
    select m.wave_id, s.segment, m.metric
    from {{ ref('int_survey__wave_metrics') }} as m
    inner join {{ ref('int_survey__wave_segments') }} as s
        on m.wave_id = s.wave_id
),

counted as (
    select
        f.wave_id, f.segment, f.metric,
        sum(case when f.in_base then 1 else 0 end) as n_base,
        sum(case when f.in_base and f.is_yes then 1 else 0 end) as n_yes,
        -- weighted sums (metrics.md, "Weighted estimates"); NULL weights make them NULL. Summed as
        -- decimals: a sum of doubles depends on the order parallel threads add them in, a decimal
        -- sum is exact, so the same landing files publish the same bits.
        cast(sum(case when f.in_base then {{ exact('w.weight') }} else 0 end) as double) as sum_w,
        cast(sum(case when f.in_base and f.is_yes then {{ exact('w.weight') }} else 0 end) as double) as sum_w_yes,
        cast(sum(case when f.in_base then {{ exact('w.weight * w.weight') }} else 0 end) as double) as sum_w2
    from {{ ref('int_survey__headline_flags') }} as f
    left join {{ ref('int_survey__weights') }} as w
        on f.wave_id = w.wave_id and f.line = w.line
    group by f.wave_id, f.segment, f.metric
),

filled as (
    select g.wave_id, g.segment, g.metric,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           cast(coalesce(c.n_yes, 0) as integer) as n_yes,
           case when c.sum_w > 0 then c.sum_w_yes / c.sum_w end as weighted_share,
           case when c.sum_w2 > 0 then c.sum_w * c.sum_w / c.sum_w2 end as n_effective
    from grid as g
    left join counted as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.metric = c.metric
)

select
    wave_id,
    segment,
    metric,
    n_base,
    {{ share_columns('n_yes', 'n_base') }},
    {{ unless_suppressed('weighted_share', 'n_base') }} as weighted_share,
    {{ unless_suppressed(wilson_bound_p('weighted_share', 'n_effective', '-'), 'n_base') }} as weighted_ci_low,
    {{ unless_suppressed(wilson_bound_p('weighted_share', 'n_effective', '+'), 'n_base') }} as weighted_ci_high,
    {{ unless_suppressed('n_effective', 'n_base') }} as n_effective
from filled
