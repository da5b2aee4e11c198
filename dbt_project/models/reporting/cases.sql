-- One row per accepted case, public fields only; from dim_case, its lead organisation and its
-- partner links in fct_partnership.
select
    c.case_id,
    c.title,
    k.kommune_navn,
    k.region_navn,
    o.organisation_name as lead_name,
    o.org_type as lead_type,
    cast(coalesce(p.n_partners, 0) as integer) as n_partners,
    c.status,
    c.started_date as started
from {{ ref('dim_case') }} as c
left join {{ ref('dim_municipality') }} as k
    on c.kommune_kode = k.kommune_kode and not k.is_national_or_unknown
left join {{ ref('dim_case_organisation') }} as o
    on c.lead_org_key = o.case_org_key
left join (
    select case_id, count(*) as n_partners
    from {{ ref('fct_partnership') }}
    where partnership_source = 'case'
    group by case_id
) as p
    on c.case_id = p.case_id
