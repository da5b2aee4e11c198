-- Two grains told apart by partnership_source:
--   'survey': respondent x wave x partner type (partner_types answered), is_new_partner;
--   'case':   case x partner organisation, with the case's lead organisation.
select
    'survey' as partnership_source,
    a.wave_id,
    a.line,
    a.respondent_key,
    p.partner_type_key,
    a.value_code = 1 as is_new_partner,
    cast(null as string) as case_id,
    cast(null as string) as lead_org_key,
    cast(null as string) as partner_org_key
from {{ ref('int_survey__item_answers') }} as a
inner join {{ ref('dim_partner_type') }} as p
    on a.item = p.item
where a.concept = 'partner_types'
union all
select
    'case',
    cast(null as string),
    cast(null as bigint),
    cast(null as string),
    cast(null as string),
    true,
    c.case_id,
    {{ case_org_key('c.lead_name', 'c.lead_type') }},
    {{ case_org_key('p.partner_name', 'p.partner_type') }}
from {{ ref('stg_cases__case_partners') }} as p
inner join {{ ref('stg_cases__cases') }} as c
    on p.case_id = c.case_id
