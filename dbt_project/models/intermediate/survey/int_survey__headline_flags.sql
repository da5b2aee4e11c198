-- Per base respondent: in the base of each headline metric of its wave, and yes or not, by the
-- metric's one definition (seed def_headline_metrics via int_survey__wave_metrics).
-- Grain: wave_id x line x metric. Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
with metrics as (
    select * from {{ ref('int_survey__wave_metrics') }} where {{ in_rebuilt_waves('wave_id') }}
),

answers as (
    -- per row and metric: the concept's answer (single questions), items answered, any item yes
    select
        m.wave_id, a.line, m.metric,
        max(case when a.item is null then a.value_code end) as answer,
        count(*) as n_answered,
        max(case when m.yes_codes like concat('% ', cast(a.value_code as string), ' %') then 1 else 0 end) as any_yes
    from metrics as m
    inner join {{ ref('int_survey__base_answers') }} as a
        on m.wave_id = a.wave_id and m.concept = a.concept
    -- said again on the answers: only a constant filter prunes the other waves' raw files
    where {{ in_rebuilt_waves('a.wave_id') }}
    group by m.wave_id, a.line, m.metric
),

conditions as (
    select m.wave_id, a.line, m.metric, max(a.value_code) as answer
    from metrics as m
    inner join {{ ref('int_survey__base_answers') }} as a
        on m.wave_id = a.wave_id and m.condition_concept = a.concept
    where {{ in_rebuilt_waves('a.wave_id') }}
    group by m.wave_id, a.line, m.metric
),

base_rows as (
    select r.wave_id, r.line
    from {{ ref('int_survey__rows') }} as r
    where r.is_completed and {{ in_rebuilt_waves('r.wave_id') }}
)

select
    b.wave_id,
    b.line,
    m.metric,
    case when m.rule = 'any_item' then coalesce(x.n_answered, 0) = m.n_variables
         else x.answer is not null
              and (trim(m.base_codes) = '' or m.base_codes like concat('% ', cast(x.answer as string), ' %'))
              and (m.condition_concept is null
                   or coalesce(m.condition_codes like concat('% ', cast(c.answer as string), ' %'), false))
    end as in_base,
    case when m.rule = 'any_item' then coalesce(x.any_yes, 0) = 1
         else coalesce(m.yes_codes like concat('% ', cast(x.answer as string), ' %'), false)
    end as is_yes
from base_rows as b
inner join metrics as m
    on b.wave_id = m.wave_id
left join answers as x
    on b.wave_id = x.wave_id and b.line = x.line and m.metric = x.metric
left join conditions as c
    on b.wave_id = c.wave_id and b.line = c.line and m.metric = c.metric
