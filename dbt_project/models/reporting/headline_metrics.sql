-- Headline metrics per wave x segment x metric (metrics.md), Wilson intervals, suppression, and
-- complementary suppression along segment to alle, the estimates weighted to the population frame with Kish's effective n; from fct_headline_metric.
with {{ suppressed_cells('counted', headline_counts(weighted=true), ['wave_id', 'metric']) }}

select
    wave_id,
    segment,
    metric,
    n_base,
    {{ share_columns('n_yes', 'n_base') }},
    {{ unless_suppressed('weighted_share') }} as weighted_share,
    {{ unless_suppressed(wilson_bound_p('weighted_share', 'n_effective', '-')) }} as weighted_ci_low,
    {{ unless_suppressed(wilson_bound_p('weighted_share', 'n_effective', '+')) }} as weighted_ci_high,
    {{ unless_suppressed('n_effective') }} as n_effective
from counted
