-- The headline metrics each wave has: those whose concepts the wave's study definition maps.
-- Grain: wave_id x metric.
select
    cast(wave_id as string) as wave_id,
    cast(metric as string) as metric
from {{ ref('int_survey__wave_metrics') }}
