-- Municipal services minus associations per wave x metric (metrics.md, segment_differences):
-- unweighted difference, Newcombe hybrid score interval, pooled two-proportion z-test.
with sides as (
    select
        m.wave_id,
        m.metric,
        m.share as one_share, m.ci_low as one_low, m.ci_high as one_high, m.n_yes as one_yes,
        m.n_base as one_base, m.suppressed as one_suppressed,
        f.share as two_share, f.ci_low as two_low, f.ci_high as two_high, f.n_yes as two_yes,
        f.n_base as two_base, f.suppressed as two_suppressed
    from {{ ref('headline_metrics') }} as m
    inner join {{ ref('headline_metrics') }} as f
        on m.wave_id = f.wave_id and m.metric = f.metric
    where m.segment = 'kommunalt_tilbud' and f.segment = 'forening'
),

flagged as (
    select *, {{ comparable('one', 'two') }} as comparable
    from sides
)

select
    wave_id,
    metric,
    two_share as share_forening,
    one_share as share_kommunalt_tilbud,
    {{ difference_columns('one', 'two') }}
from flagged
