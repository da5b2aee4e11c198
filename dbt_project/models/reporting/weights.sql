-- The survey weights per wave x cell (region x segment): base respondents, the frame's population,
-- the weight and its total, and why a wave is unweighted. Aggregates only (no respondent rows);
-- from fct_survey_response, the frame (fct_population_frame) and dim_wave.
with cells as (
    select
        r.wave_id,
        d.region_navn,
        r.segment,
        cast(count(*) as integer) as n_cell,
        max(r.weight) as weight,
        count(r.weight) as n_weighted
    from {{ ref('fct_survey_response') }} as r
    inner join {{ ref('dim_municipality') }} as d
        on r.kommune_kode = d.kommune_kode
    where r.is_completed
    group by r.wave_id, d.region_navn, r.segment
)

select
    c.wave_id,
    c.region_navn,
    coalesce(c.segment, 'ukendt') as segment,
    c.n_cell,
    p.population,
    c.weight,
    -- every weight of a cell is the same: their total is n x w, the same bits in every run
    cast(c.n_weighted as double) * c.weight as weight_total,
    w.weight_note
from cells as c
inner join {{ ref('dim_wave') }} as w
    on c.wave_id = w.wave_id
left join {{ ref('fct_population_frame') }} as p
    on c.region_navn = p.region_navn and c.segment = p.segment
