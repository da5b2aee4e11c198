-- One row per accepted case: public fields, its municipality and lead organisation.
select
    c.case_id,
    c.title,
    cast(c.municipality_code as integer) as kommune_kode,
    {{ case_org_key('c.lead_name', 'c.lead_type') }} as lead_org_key,
    c.status,
    c.started as started_date,
    {{ date_key('c.started') }} as started_date_key
from {{ ref('stg_cases__cases') }} as c
