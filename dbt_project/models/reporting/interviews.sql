-- Interviews per sector x theme, over completed interviews with consent; from fct_interview_theme.
select
    sector_key as sector,
    theme_key as theme,
    cast(count(distinct interview_id) as integer) as n_interviews
from {{ ref('fct_interview_theme') }}
where is_completed and sector_key is not null
group by sector_key, theme_key
