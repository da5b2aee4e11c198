-- One row per dataset row of a wave; the tool's respondentid stays in raw (keyed pseudonym here).
select
    cast(wave_id as string) as wave_id,
    cast(line as bigint) as line,
    cast(respondent_key as string) as respondent_key,
    cast(org_key as string) as org_key,
    cast(org_key_source as string) as org_key_source,
    cast(statoverall as integer) as statoverall,
    started_at,
    submitted_at,
    cast(record_status as string) as record_status
from {{ source('raw_survey', 'respondents') }}
