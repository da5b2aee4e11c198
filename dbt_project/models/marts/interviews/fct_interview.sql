-- Grain: interview with consent (status kept: only Gennemført is analysed).
select
    interview_id,
    expert_key,
    sector as sector_key,
    status,
    status = 'Gennemført' as is_completed,
    duration_min,
    {{ date_key('interview_date') }} as interview_date_key
from {{ ref('stg_interviews__interviews') }}
where consent
