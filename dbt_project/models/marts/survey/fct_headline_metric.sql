-- Grain: base respondent (statoverall 4, current row) x wave x headline metric of the wave: in the
-- metric's base and yes or not, by the metric's one definition (int_survey__headline_flags).
-- Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
select
    f.wave_id,
    f.line,
    r.respondent_key,
    f.metric,
    f.in_base,
    f.is_yes
from {{ ref('int_survey__headline_flags') }} as f
inner join {{ ref('int_survey__rows') }} as r
    on f.wave_id = r.wave_id and f.line = r.line
where {{ in_rebuilt_waves('f.wave_id') }}
