-- The 98 municipalities with their regions, plus member 0 for national or unknown.
select
    cast(kommune_kode as integer) as kommune_kode,
    cast(kommune_navn as string) as kommune_navn,
    cast(region_kode as integer) as region_kode,
    cast(region_navn as string) as region_navn,
    false as is_national_or_unknown
from {{ ref('ref_kommuner') }}
union all
select 0, 'Landsdækkende eller ukendt', 0, 'Landsdækkende', true
