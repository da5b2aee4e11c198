-- Grain: region x segment of the population frame: the number of organisations, the target of
-- the survey weights (metrics.md, "Weighted estimates").
select region_navn, segment, population
from {{ ref('stg_frame__population') }}
