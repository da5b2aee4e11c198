-- Per base respondent: in the base of each headline metric of its wave, and yes or not, by the
-- metric's one definition (seed def_headline_metrics via int_survey__wave_metrics).
-- Grain: wave_id x line x metric. Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
with metrics as (
    select * from {{ ref('int_survey__wave_metrics') }} where {{ in_rebuilt_waves('wave_id') }}
),

-- Each metric's concept (role 'answer') and condition concept (role 'condition'), so that one pass
-- over the answers serves both: two passes held two large hash tables at once, and the model once
-- ran out of DuckDB's memory bound at 2.3 million invited.
concepts as (
    select wave_id, metric, concept, 'answer' as role, yes_codes from metrics
    union all
    select wave_id, metric, condition_concept, 'condition', cast(null as string)
    from metrics
    where condition_concept is not null
),

answers as (
    -- per row and metric: the concept's answer (single questions), items answered, any item yes,
    -- and the condition concept's answer
    select
        k.wave_id, a.line, k.metric,
        max(case when k.role = 'answer' and a.item is null then a.value_code end) as answer,
        count(case when k.role = 'answer' then 1 end) as n_answered,
        max(case when k.role = 'answer'
                 then case when k.yes_codes like concat('% ', cast(a.value_code as string), ' %') then 1 else 0 end
            end) as any_yes,
        max(case when k.role = 'condition' then a.value_code end) as condition_answer
    from concepts as k
    inner join {{ ref('int_survey__base_answers') }} as a
        on k.wave_id = a.wave_id and k.concept = a.concept
    -- said again on the answers: only a constant filter prunes the other waves' raw files
    where {{ in_rebuilt_waves('a.wave_id') }}
    group by k.wave_id, a.line, k.metric
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
                   or coalesce(m.condition_codes like concat('% ', cast(x.condition_answer as string), ' %'), false))
    end as in_base,
    case when m.rule = 'any_item' then coalesce(x.any_yes, 0) = 1
         else coalesce(m.yes_codes like concat('% ', cast(x.answer as string), ' %'), false)
    end as is_yes
from base_rows as b
inner join metrics as m
    on b.wave_id = m.wave_id
left join answers as x
    on b.wave_id = x.wave_id and b.line = x.line and m.metric = x.metric
