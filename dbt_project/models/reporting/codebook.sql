-- The codebook of every wave (metrics.md, "Generic outputs"): one row per variable x labelled
-- value of its structure and labels, the public texts of the questionnaire and no data; value and
-- value_label NULL for a variable without labels (an open one). Every survey has one.
select
    cast(v.wave_id as string) as wave_id,
    cast(v.question as string) as question,
    cast(v.variable as string) as variable,
    cast(v.question_type as string) as question_type,
    cast(v.sub_type as string) as sub_type,
    cast(v.question_text as string) as question_text,
    cast(l.value_code as string) as value,
    cast(l.label_da as string) as value_label
from {{ ref('dim_question') }} as v
left join {{ ref('dim_value_label') }} as l
    on v.wave_id = l.wave_id and v.variable = l.variable
