-- The municipality and region of every counted wave row; a row without a known municipality
-- (national associations, blanks, quarantined codes) is member 0, 'Landsdækkende'.
-- Grain: wave_id x line. Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
select
    p.wave_id,
    p.line,
    coalesce(m.kommune_kode, u.kommune_kode) as kommune_kode,
    coalesce(m.kommune_navn, u.kommune_navn) as kommune_navn,
    coalesce(m.region_navn, u.region_navn) as region_navn
from {{ ref('int_survey__respondent_profile') }} as p
left join {{ ref('int_geo__municipalities') }} as m
    on p.kommune_kode = m.kommune_kode and not m.is_national_or_unknown
cross join (select * from {{ ref('int_geo__municipalities') }} where is_national_or_unknown) as u
where {{ in_rebuilt_waves('p.wave_id') }}
