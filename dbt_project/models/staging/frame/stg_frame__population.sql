-- The population frame: organisations per region x segment (the target of the survey weights).
select
    cast(region_navn as varchar) as region_navn,
    cast(segment as varchar) as segment,
    cast(population as bigint) as population
from {{ source('raw_frame', 'frame') }}
