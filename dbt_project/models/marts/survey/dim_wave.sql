-- One row per survey wave, with its fieldwork period and size.
select
    wave_id,
    cast(substr(wave_id, 1, 4) as integer) as wave_year,
    cast(substr(wave_id, 6, 2) as integer) as wave_month,
    cast(min(cast(started_at as date)) as date) as fieldwork_first_day,
    cast(max(cast(submitted_at as date)) as date) as fieldwork_last_day,
    cast(count(*) as integer) as n_rows
from {{ ref('int_survey__rows') }}
group by wave_id
