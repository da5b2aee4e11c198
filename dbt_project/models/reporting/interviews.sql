-- Interviews per sector x theme, over completed interviews with consent.
select
    i.sector,
    t.theme,
    cast(count(distinct i.interview_id) as integer) as n_interviews
from {{ ref('stg_interviews__interviews') }} as i
inner join {{ ref('stg_interviews__interview_themes') }} as t
    on i.interview_id = t.interview_id
where i.consent and i.status = 'Gennemført' and i.sector is not null
group by i.sector, t.theme
