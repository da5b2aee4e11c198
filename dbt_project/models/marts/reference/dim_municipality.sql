-- The 98 municipalities with their regions, plus member 0 for national or unknown.
select kommune_kode, kommune_navn, region_kode, region_navn, is_national_or_unknown
from {{ ref('int_geo__municipalities') }}
