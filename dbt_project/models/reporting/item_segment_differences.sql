-- Municipal services minus associations for every item of the report's item pages, per wave:
-- kinds of initiatives and partners (share ticked), barriers (share 4-5 and share eased) and
-- enablers (share 4-5), with the same interval and test as segment_differences.
with innovation_types as (
    {{ innovation_type_counts() }}
),

partner_types as (
    {{ partner_type_counts() }}
),

barriers as (
    {{ barrier_counts() }}
),

enablers as (
    {{ enabler_counts() }}
),

measure_counts as (
    select wave_id, segment, 'innovation_types' as list, key as item, label_da, 'share' as measure, n_base, n_yes
    from innovation_types
    union all
    select wave_id, segment, 'partner_types', key, label_da, 'share', n_base, n_yes
    from partner_types
    union all
    select wave_id, segment, 'barriers', key, label_da, 'share_high', n_base, n_high
    from barriers
    union all
    select wave_id, segment, 'barriers', key, label_da, 'share_eased', n_base_eased, n_eased
    from barriers
    union all
    select wave_id, segment, 'enablers', key, label_da, 'share_high', n_base, n_high
    from enablers
),

{{ suppressed_cells('measures', 'select * from measure_counts', ['wave_id', 'list', 'item', 'measure']) }},

sides as (
    select
        m.wave_id, m.list, m.item, m.label_da, m.measure,
        {{ difference_side('m', 'one') }},
        {{ difference_side('f', 'two') }}
    from measures as m
    inner join measures as f
        on m.wave_id = f.wave_id and m.list = f.list and m.item = f.item and m.measure = f.measure
    where m.segment = 'kommunalt_tilbud' and f.segment = 'forening'
),

compared as (
    select *, {{ comparison_columns('one', 'two') }}
    from sides
)

select
    wave_id,
    list,
    item,
    label_da,
    measure,
    case when comparable then two_share end as share_forening,
    case when comparable then one_share end as share_kommunalt_tilbud,
    {{ difference_columns('one', 'two') }}
from compared
