-- Grain: interview x theme, over interviews with consent (status kept: only Gennemført is analysed).
select
    i.interview_id,
    t.theme as theme_key,
    i.expert_key,
    i.sector as sector_key,
    i.status,
    i.status = 'Gennemført' as is_completed,
    {{ date_key('i.interview_date') }} as interview_date_key
from {{ ref('stg_interviews__interviews') }} as i
inner join {{ ref('stg_interviews__interview_themes') }} as t
    on i.interview_id = t.interview_id
where i.consent
