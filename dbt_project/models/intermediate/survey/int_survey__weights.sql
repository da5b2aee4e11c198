-- Post-stratification weights of the analysis base (metrics.md, "Weighted estimates"):
-- cell = region x segment, w = N_cell / n_cell. A wave with a base respondent whose cell is not
-- in the frame (or with no frame at all) gets NULL weights, and weight_note says why.
-- Grain: wave_id x line (base respondents only).
with base as (
    select r.wave_id, r.line, r.segment, a.region_navn
    from {{ ref('int_survey__rows') }} as r
    inner join {{ ref('int_survey__respondent_area') }} as a
        on r.wave_id = a.wave_id and r.line = a.line
    where r.is_completed
),

cells as (
    select wave_id, region_navn, segment, count(*) as n_cell
    from base
    group by wave_id, region_navn, segment
),

framed as (
    select c.wave_id, c.region_navn, c.segment, c.n_cell, f.population
    from cells as c
    left join {{ ref('stg_frame__population') }} as f
        on c.region_navn = f.region_navn and c.segment = f.segment
),

frame_size as (
    select count(*) as n_frame_cells from {{ ref('stg_frame__population') }}
),

waves as (
    select
        w.wave_id,
        case
            when s.n_frame_cells = 0 then 'no population frame delivered'
            when sum(case when w.segment is null then 1 else 0 end) > 0
                then 'a base respondent has no segment (org_type missing or quarantined)'
            when sum(case when w.population is null then 1 else 0 end) > 0
                then 'the frame lacks the cell ' || min(case when w.population is null
                                                            then w.region_navn || ' x ' || w.segment end)
        end as weight_note
    from framed as w
    cross join frame_size as s
    group by w.wave_id, s.n_frame_cells
)

select
    b.wave_id,
    b.line,
    b.segment,
    b.region_navn,
    cast(f.n_cell as integer) as n_cell,
    f.population,
    case when v.weight_note is null then cast(f.population as double) / f.n_cell end as weight,
    v.weight_note
from base as b
inner join framed as f
    on b.wave_id = f.wave_id and b.region_navn = f.region_navn
    and coalesce(b.segment, '') = coalesce(f.segment, '')
inner join waves as v
    on b.wave_id = v.wave_id
