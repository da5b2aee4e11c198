-- Every variable of every wave's structure: its question, type and text (public questionnaire
-- text), what kind of value it holds, whether it is the tool's or identifying, and the study
-- concept and reference item it is mapped to (NULL when unmapped). Grain: wave_id x variable.
select
    wave_id, variable, question, question_type, sub_type, question_text, kind, position,
    is_system, is_identifying, concept, item
from {{ ref('stg_survey__variables') }}
