-- Public fields of each accepted case (the summary is free text and stays in raw).
select
    case_id,
    title,
    municipality_code,
    lead_name,
    lead_type,
    status,
    started
from {{ source('raw_cases', 'cases') }}
