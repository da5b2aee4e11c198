-- The segments each wave is published for (int_survey__wave_segments: 'alle' always, the two
-- organisation segments when the wave's study maps org_type). Grain: wave_id x segment.
select
    cast(wave_id as string) as wave_id,
    cast(segment as string) as segment
from {{ ref('int_survey__wave_segments') }}
