-- Case partnerships for the report's Sankey chart: per lead type x partner type, the number of
-- partner links and of cases (organisation types, not names), with Danish labels.
select
    c.lead_type,
    coalesce(lt.label_da, c.lead_type) as lead_label_da,
    p.partner_type,
    coalesce(pt.label_da, p.partner_type) as partner_label_da,
    cast(count(*) as integer) as n_links,
    cast(count(distinct c.case_id) as integer) as n_cases
from {{ ref('stg_cases__cases') }} as c
inner join {{ ref('stg_cases__case_partners') }} as p
    on c.case_id = p.case_id
left join {{ ref('ref_case_org_types') }} as lt
    on c.lead_type = lt.key
left join {{ ref('ref_case_org_types') }} as pt
    on p.partner_type = pt.key
group by c.lead_type, lt.label_da, p.partner_type, pt.label_da
