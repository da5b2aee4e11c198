-- Consecutive waves per segment x metric (metrics.md, wave_differences): share_to minus share_from,
-- Newcombe hybrid score interval and pooled two-proportion z-test (p1 = to, p2 = from).
with {{ suppressed_cells('counted', headline_counts(), ['wave_id', 'metric']) }},

waves as (
    select wave_id, row_number() over (order by wave_id) as wave_no
    from (select distinct wave_id from counted) as w
),

pairs as (
    select f.wave_id as wave_from, t.wave_id as wave_to
    from waves as f
    inner join waves as t
        on t.wave_no = f.wave_no + 1
),

sides as (
    select
        a.segment,
        a.metric,
        p.wave_from,
        p.wave_to,
        {{ difference_side('b', 'one') }},
        {{ difference_side('a', 'two') }}
    from pairs as p
    inner join counted as a
        on a.wave_id = p.wave_from
    inner join counted as b
        on b.wave_id = p.wave_to and b.segment = a.segment and b.metric = a.metric
),

flagged as (
    select *, {{ comparison_columns('one', 'two') }}
    from sides
)

select
    segment,
    metric,
    wave_from,
    wave_to,
    two_share as share_from,
    one_share as share_to,
    {{ difference_columns('one', 'two') }}
from flagged
