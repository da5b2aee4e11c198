-- The municipalities of the reference list with their regions, plus member 0 for an organisation
-- that is national or whose municipality is unknown: the one place of that member, read by the
-- survey's area assignment and by dim_municipality. Grain: kommune_kode.
select
    cast(kommune_kode as integer) as kommune_kode,
    cast(kommune_navn as string) as kommune_navn,
    cast(region_kode as integer) as region_kode,
    cast(region_navn as string) as region_navn,
    false as is_national_or_unknown
from {{ ref('ref_kommuner') }}
union all
select 0, 'Landsdækkende eller ukendt', 0, 'Landsdækkende', true
