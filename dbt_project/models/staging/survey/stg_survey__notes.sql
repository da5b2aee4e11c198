-- What the ingestion report says of a wave beyond its faults (sources.md 1b: no statoverall, no
-- respondentid, unlabelled closed variables, unknown types).
select
    wave_id,
    note
from {{ source('raw_survey', 'notes') }}
