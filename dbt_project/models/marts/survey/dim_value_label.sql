-- The value labels of the closed variables, as the export's labels give them.
-- Grain: wave_id x variable x value_code.
select wave_id, variable, value_code, label_da
from {{ ref('stg_survey__labels') }}
