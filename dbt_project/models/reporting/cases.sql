-- One row per accepted case, public fields only.
select
    c.case_id,
    c.title,
    k.kommune_navn,
    k.region_navn,
    c.lead_name,
    c.lead_type,
    cast(coalesce(p.n_partners, 0) as integer) as n_partners,
    c.status,
    c.started
from {{ ref('stg_cases__cases') }} as c
left join {{ ref('ref_kommuner') }} as k
    on c.municipality_code = k.kommune_kode
left join (
    select case_id, count(*) as n_partners
    from {{ ref('stg_cases__case_partners') }}
    group by case_id
) as p
    on c.case_id = p.case_id
