-- Completed interviews with consent per sector (each interview once, whatever its themes); from fct_interview.
select
    sector_key as sector,
    cast(count(*) as integer) as n_interviews
from {{ ref('fct_interview') }}
where is_completed and sector_key is not null
group by sector_key
