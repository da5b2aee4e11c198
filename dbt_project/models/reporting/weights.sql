-- The survey weights per wave x cell (region x segment): base respondents, the frame's population,
-- the weight and its total, and why a wave is unweighted. Aggregates only (no respondent rows).
select
    wave_id,
    region_navn,
    coalesce(segment, 'ukendt') as segment,
    cast(max(n_cell) as integer) as n_cell,
    max(population) as population,
    max(weight) as weight,
    -- every weight of a cell is the same: their total is n x w, the same bits in every run
    cast(count(weight) as double) * max(weight) as weight_total,
    max(weight_note) as weight_note
from {{ ref('int_survey__weights') }}
group by wave_id, region_navn, coalesce(segment, 'ukendt')
