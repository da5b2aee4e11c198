-- Organisations named in the cases (public), leads and partners, one row per name and type.
with named as (
    select lead_name as organisation_name, lead_type as org_type from {{ ref('stg_cases__cases') }}
    union
    select partner_name, partner_type from {{ ref('stg_cases__case_partners') }}
)

select
    {{ case_org_key('n.organisation_name', 'n.org_type') }} as case_org_key,
    n.organisation_name,
    n.org_type,
    cast(t.label_da as string) as org_type_label_da,
    cast(t.label_en as string) as org_type_label_en,
    cast(t.sector as string) as sector
from named as n
left join {{ ref('ref_case_org_types') }} as t
    on n.org_type = t.key
