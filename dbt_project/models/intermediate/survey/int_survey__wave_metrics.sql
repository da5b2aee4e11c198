-- The headline metrics each wave can have: those whose concepts (and condition concept) the
-- wave's study definition maps (study.md; an unmapped concept is not part of the study), with
-- their one definition (seed def_headline_metrics) and the number of variables of the concept.
-- Grain: wave_id x metric.
with mapped as (
    select wave_id, concept, count(*) as n_variables
    from {{ ref('stg_survey__variables') }}
    where concept is not null
    group by wave_id, concept
)

select
    m.wave_id,
    d.metric,
    d.concept,
    d.rule,
    -- padded with spaces so that a code is found with like '% 4 %' on every engine
    concat(' ', d.yes_codes, ' ') as yes_codes,
    concat(' ', coalesce(d.base_codes, ''), ' ') as base_codes,
    d.condition_concept,
    concat(' ', coalesce(d.condition_codes, ''), ' ') as condition_codes,
    cast(m.n_variables as integer) as n_variables
from {{ ref('def_headline_metrics') }} as d
inner join mapped as m
    on d.concept = m.concept
left join mapped as c
    on m.wave_id = c.wave_id and d.condition_concept = c.concept
where d.condition_concept is null or c.concept is not null
