-- The segments each wave is published for (metrics.md): 'alle' always; 'forening' and
-- 'kommunalt_tilbud' when the wave's study definition maps org_type (study.md).
-- Grain: wave_id x segment.
with waves as (
    select distinct wave_id from {{ ref('stg_survey__variables') }}
),

segmented as (
    select distinct wave_id from {{ ref('stg_survey__variables') }} where concept = 'org_type'
)

select w.wave_id, s.segment
from waves as w
inner join ({{ segments() }}) as s
    on s.segment = 'alle'
union all
select g.wave_id, s.segment
from segmented as g
inner join ({{ segments() }}) as s
    on s.segment <> 'alle'
