-- Grain: respondent x wave x target group (q1_k answered): does the organisation work with it.
select
    a.wave_id,
    a.respondent_key,
    t.target_group_key,
    a.value_code = 1 as is_selected
from {{ ref('int_survey__item_answers') }} as a
inner join {{ ref('dim_target_group') }} as t
    on a.item = t.item
where a.question = 'q1'
