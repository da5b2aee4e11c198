-- The population frame: organisations per region x segment (the target of the survey weights).
select
    cast(region_navn as string) as region_navn,
    cast(segment as string) as segment,
    cast(population as bigint) as population
from {{ source('raw_frame', 'frame') }}
