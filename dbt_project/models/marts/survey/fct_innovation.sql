-- Grain: respondent x wave x innovation type (q3_k answered): was the kind of initiative taken.
select
    a.wave_id,
    a.respondent_key,
    t.innovation_type_key,
    a.value_code = 1 as is_selected
from {{ ref('int_survey__item_answers') }} as a
inner join {{ ref('dim_innovation_type') }} as t
    on a.item = t.item
where a.question = 'q3'
