-- Answers of the analysis base (statoverall 4, current rows) with the row's own segment (NULL when
-- unknown). Consumers count each answer under 'alle' and under its segment (in_segments()).
-- A view, not a table: at 2.3 million invited, writing every answer once per segment it counts in
-- cost more than any model reading it; each reader filters on its questions, which DuckDB and
-- Spark push down into the scan. Grain: wave_id x line x variable.
{{ config(materialized='view', tags=['by_wave']) }}
select
    a.wave_id,
    a.line,
    r.segment,
    a.variable,
    a.concept,
    a.item,
    a.export_code,
    a.value_code
from {{ ref('int_survey__rows') }} as r
inner join {{ ref('stg_survey__answers') }} as a
    on r.wave_id = a.wave_id and r.line = a.line
where r.is_completed
