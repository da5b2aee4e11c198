-- Coded and numeric answers only: free text, names, e-mails and undescribed columns stop here.
select
    a.wave_id,
    cast(a.line as bigint) as line,
    a.variable,
    v.question,
    cast(a.value as integer) as value_code
from {{ source('raw_survey', 'answers') }} as a
inner join {{ source('raw_survey', 'variables') }} as v
    on a.wave_id = v.wave_id and a.variable = v.variable
where v.kind in ('coded', 'number')
    and a.value is not null
    and try_cast(a.value as integer) is not null
