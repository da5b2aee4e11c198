-- Municipal services minus associations per wave x metric (metrics.md, segment_differences):
-- unweighted difference, Newcombe hybrid score interval, pooled two-proportion z-test.
with {{ suppressed_cells('counted', headline_counts(), ['wave_id', 'metric']) }},

sides as (
    select
        m.wave_id,
        m.metric,
        {{ difference_side('m', 'one') }},
        {{ difference_side('f', 'two') }}
    from counted as m
    inner join counted as f
        on m.wave_id = f.wave_id and m.metric = f.metric
    where m.segment = 'kommunalt_tilbud' and f.segment = 'forening'
),

flagged as (
    select *, {{ comparison_columns('one', 'two') }}
    from sides
)

select
    wave_id,
    metric,
    two_share as share_forening,
    one_share as share_kommunalt_tilbud,
    {{ difference_columns('one', 'two') }}
from flagged
