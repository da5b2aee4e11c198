-- How collaboration across organisations worked (concept collaboration, 1-5; 'ved ikke' left out of the base)
-- per wave x segment: mean score and share 4-5, suppression; from fct_survey_response.
with counted as (
    select
        r.wave_id,
        s.segment,
        cast(sum(case when r.collaboration_answer between 1 and 5 then 1 else 0 end) as integer) as n_base,
        sum(case when r.collaboration_answer between 1 and 5 then r.collaboration_answer end) as score_sum,
        sum(case when r.collaboration_answer in (4, 5) then 1 else 0 end) as n_high
    from {{ ref('fct_survey_response') }} as r
    {{ in_segments('r') }}
    where r.is_completed
    group by r.wave_id, s.segment
),

collected as (
    select w.wave_id, s.segment, coalesce(c.n_base, 0) as n_base, c.score_sum, c.n_high
    from {{ ref('dim_wave_segment') }} as s
    inner join (select distinct wave_id from {{ ref('dim_question') }} where concept = 'collaboration') as w
        on s.wave_id = w.wave_id
    left join counted as c
        on w.wave_id = c.wave_id and s.segment = c.segment
),

{{ suppressed_cells('filled', 'select * from collected', ['wave_id']) }}

select
    wave_id,
    segment,
    n_base,
    {{ unless_suppressed('cast(score_sum as double) / n_base') }} as mean_score,
    {{ unless_suppressed('cast(n_high as double) / n_base') }} as share_high,
    suppressed,
    secondary_suppressed
from filled
