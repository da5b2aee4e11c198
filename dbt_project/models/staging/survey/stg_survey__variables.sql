-- The variables each wave's structure describes; item numbers parsed from <question>_<item>.
select
    wave_id,
    variable,
    question,
    kind,
    case when variable <> question then try_cast(substr(variable, length(question) + 2) as integer) end as item
from {{ source('raw_survey', 'variables') }}
