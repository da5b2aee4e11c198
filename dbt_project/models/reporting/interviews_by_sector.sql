-- Completed interviews with consent per sector (each interview once, whatever its themes).
select
    i.sector,
    cast(count(distinct i.interview_id) as integer) as n_interviews
from {{ ref('stg_interviews__interviews') }} as i
where i.consent and i.status = 'Gennemført' and i.sector is not null
group by i.sector
