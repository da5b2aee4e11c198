-- Grain: respondent x wave x barrier: how much it hindered (concept barriers; 9 = ved ikke) and whether it eased (barriers_eased).
-- Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
with scores as (
    select
        wave_id, line, respondent_key, item,
        max(case when concept = 'barriers' then value_code end) as hinder_answer,
        max(case when concept = 'barriers_eased' then value_code end) as eased_answer
    from {{ ref('int_survey__item_answers') }}
    where concept in ('barriers', 'barriers_eased') and {{ in_rebuilt_waves('wave_id') }}
    group by wave_id, line, respondent_key, item
)

select
    s.wave_id,
    s.line,
    s.respondent_key,
    b.barrier_key,
    case when s.hinder_answer between 1 and 5 then s.hinder_answer end as hinder_score,
    coalesce(s.hinder_answer = 9, false) as hinder_dont_know,
    s.hinder_answer in (4, 5) as hinder_high,
    case s.eased_answer when 1 then true when 0 then false end as is_eased
from scores as s
inner join {{ ref('dim_barrier') }} as b
    on s.item = b.item
