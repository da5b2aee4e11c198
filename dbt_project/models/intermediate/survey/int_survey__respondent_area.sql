-- The municipality and region of every counted wave row (reference/kommuner.csv); a row without
-- a known municipality (national associations, blanks, quarantined codes) is in 'Landsdækkende'.
-- Grain: wave_id x line.
select
    p.wave_id,
    p.line,
    coalesce(m.kommune_kode, 0) as kommune_kode,
    coalesce(m.kommune_navn, 'Landsdækkende eller ukendt') as kommune_navn,
    coalesce(m.region_navn, 'Landsdækkende') as region_navn
from {{ ref('int_survey__respondent_profile') }} as p
left join {{ ref('dim_municipality') }} as m
    on p.kommune_kode = m.kommune_kode and not m.is_national_or_unknown
