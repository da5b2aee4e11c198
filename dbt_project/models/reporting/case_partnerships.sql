-- Case partnerships for the report's Sankey chart: per lead type x partner type, the number of
-- partner links and of cases (organisation types, not names), with Danish labels; from the case
-- rows of fct_partnership.
select
    l.org_type as lead_type,
    coalesce(l.org_type_label_da, l.org_type) as lead_label_da,
    p.org_type as partner_type,
    coalesce(p.org_type_label_da, p.org_type) as partner_label_da,
    cast(count(*) as integer) as n_links,
    cast(count(distinct f.case_id) as integer) as n_cases
from {{ ref('fct_partnership') }} as f
inner join {{ ref('dim_case_organisation') }} as l
    on f.lead_org_key = l.case_org_key
inner join {{ ref('dim_case_organisation') }} as p
    on f.partner_org_key = p.case_org_key
where f.partnership_source = 'case'
group by l.org_type, l.org_type_label_da, p.org_type, p.org_type_label_da
