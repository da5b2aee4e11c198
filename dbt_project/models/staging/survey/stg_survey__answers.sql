-- Coded and numeric answers only: free text, names, e-mails, the tool's system variables and
-- undescribed columns stop here. Each answer carries the study concept its question is mapped to
-- (study.md; NULL when unmapped), the reference item, and its code translated to the contract's.
select
    a.wave_id,
    cast(a.line as bigint) as line,
    a.variable,
    v.concept,
    cast(v.item as integer) as item,
    cast(a.value as integer) as export_code,
    coalesce(cast(m.contract_value as integer), cast(a.value as integer)) as value_code
from {{ source('raw_survey', 'answers') }} as a
inner join {{ source('raw_survey', 'variables') }} as v
    on a.wave_id = v.wave_id and a.variable = v.variable
left join {{ source('raw_survey', 'code_map') }} as m
    on a.wave_id = m.wave_id and a.variable = m.variable and a.value = m.value
where v.kind in ('coded', 'number')
    and not v.is_system
    and not v.is_identifying
    and a.value is not null
    and try_cast(a.value as integer) is not null
