-- One row per interview (the expert only as a keyed pseudonym).
select
    interview_id,
    consent,
    interview_date,
    expert_key,
    sector,
    role,
    duration_min,
    status
from {{ source('raw_interviews', 'interviews') }}
