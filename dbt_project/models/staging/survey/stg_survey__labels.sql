-- Value labels of the closed variables, as the export's labels give them.
select
    wave_id,
    variable,
    cast(value as integer) as value_code,
    label as label_da
from {{ source('raw_survey', 'labels') }}
where try_cast(value as integer) is not null
