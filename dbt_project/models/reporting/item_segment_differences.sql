-- Municipal services minus associations for every item of the report's item pages, per wave:
-- kinds of initiatives and partners (share ticked), barriers (share 4-5 and share eased) and
-- enablers (share 4-5), with the same interval and test as segment_differences.
with measures as (
    select wave_id, segment, 'innovation_types' as list, innovation_type as item, label_da, 'share' as measure,
           n_base, n_yes
    from {{ ref('innovation_types') }}
    union all
    select wave_id, segment, 'partner_types', partner_type, label_da, 'share', n_base, n_yes
    from {{ ref('partner_types') }}
    union all
    select wave_id, segment, 'barriers', barrier, label_da, 'share_high', n_base,
           cast(round(share_high * n_base) as integer)
    from {{ ref('barriers') }}
    union all
    select wave_id, segment, 'barriers', barrier, label_da, 'share_eased', n_base_eased,
           cast(round(share_eased * n_base_eased) as integer)
    from {{ ref('barriers') }}
    union all
    select wave_id, segment, 'enablers', enabler, label_da, 'share_high', n_base,
           cast(round(share_high * n_base) as integer)
    from {{ ref('enablers') }}
),

shares as (
    select
        wave_id, segment, list, item, label_da, measure, n_base, n_yes,
        n_base < {{ var('suppression_limit') }} or n_yes is null as suppressed,
        cast(n_yes as double) / n_base as share,
        {{ wilson_low('n_yes', 'n_base') }} as ci_low,
        {{ wilson_high('n_yes', 'n_base') }} as ci_high
    from measures
),

flagged as (
    select
        m.wave_id, m.list, m.item, m.label_da, m.measure,
        m.share as one_share, m.ci_low as one_low, m.ci_high as one_high, m.n_yes as one_yes, m.n_base as one_base,
        m.suppressed as one_suppressed,
        f.share as two_share, f.ci_low as two_low, f.ci_high as two_high, f.n_yes as two_yes, f.n_base as two_base,
        f.suppressed as two_suppressed
    from shares as m
    inner join shares as f
        on m.wave_id = f.wave_id and m.list = f.list and m.item = f.item and m.measure = f.measure
    where m.segment = 'kommunalt_tilbud' and f.segment = 'forening'
),

compared as (
    select *, {{ comparable('one', 'two') }} as comparable
    from flagged
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
