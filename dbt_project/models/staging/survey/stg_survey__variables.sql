-- The variables each wave's structure describes, with the study concept and reference item the
-- ingestion found for them (study.md), and whether they are the tool's or identifying.
select
    wave_id,
    variable,
    question,
    question_type,
    sub_type,
    question_text,
    kind,
    cast(position as integer) as position,
    is_system,
    is_identifying,
    concept,
    cast(item as integer) as item
from {{ source('raw_survey', 'variables') }}
