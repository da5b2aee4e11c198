-- Row faults without the offending value (it may be free text): wave, file, line, variable, rule.
select
    wave_id,
    file,
    cast(line as bigint) as line,
    variable,
    rule
from {{ source('raw_survey', 'quarantine') }}
