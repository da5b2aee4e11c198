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
    t.label_da as org_type_label_da,
    t.label_en as org_type_label_en,
    t.sector
from named as n
left join {{ ref('dim_case_org_type') }} as t
    on n.org_type = t.org_type
