-- How collaboration across organisations worked (concept collaboration, 1-5; 'ved ikke' left out of the base)
-- per wave x segment: mean score and share 4-5, suppression n < 5.
with scores as (
    select
        r.wave_id,
        s.segment,
        a.value_code as score
    from {{ ref('int_survey__rows') }} as r
    {{ in_segments('r') }}
    left join {{ ref('int_survey__clean_answers') }} as a
        on r.wave_id = a.wave_id and r.line = a.line and a.concept = 'collaboration'
    where r.is_completed
),

counted as (
    select
        wave_id,
        segment,
        cast(sum(case when score between 1 and 5 then 1 else 0 end) as integer) as n_base,
        sum(case when score between 1 and 5 then score end) as score_sum,
        sum(case when score in (4, 5) then 1 else 0 end) as n_high
    from scores
    group by wave_id, segment
),

filled as (
    select w.wave_id, s.segment, coalesce(c.n_base, 0) as n_base, c.score_sum, c.n_high
    from {{ ref('int_survey__wave_segments') }} as s
    inner join (select distinct wave_id from {{ ref('stg_survey__variables') }} where concept = 'collaboration') as w
        on s.wave_id = w.wave_id
    left join counted as c
        on w.wave_id = c.wave_id and s.segment = c.segment
)

select
    wave_id,
    segment,
    n_base,
    {{ unless_suppressed('cast(score_sum as double) / n_base', 'n_base') }} as mean_score,
    {{ unless_suppressed('cast(n_high as double) / n_base', 'n_base') }} as share_high,
    n_base < {{ var('suppression_limit') }} as suppressed
from filled
