-- Grain: organisation x pair of waves (wave_from < wave_to) x headline metric: the panel (metrics.md,
-- "The panel"). An organisation is in a pair when its org_id (keyed pseudonym) is in the analysis base
-- of both waves, once in each, and its row is in the metric's base in both; an org_id that occurs more
-- than once in one wave's analysis base takes no part in that wave's pairs. Yes or not in each wave by
-- the metric's one definition (fct_headline_metric); the segment is the organisation's in wave_from.
with panel_rows as (
    select wave_id, line, org_key, segment
    from (
        select
            r.wave_id, r.line, r.org_key, r.segment,
            count(*) over (partition by r.wave_id, r.org_key) as rows_of_org
        from {{ ref('fct_survey_response') }} as r
        where r.is_completed and r.org_key_source = 'org_id'
    ) as counted
    where rows_of_org = 1
),

answers as (
    select p.org_key, p.wave_id, p.segment, f.metric, f.is_yes
    from panel_rows as p
    inner join {{ ref('fct_headline_metric') }} as f
        on p.wave_id = f.wave_id and p.line = f.line
    where f.in_base
)

select
    a.org_key,
    a.wave_id as wave_from,
    b.wave_id as wave_to,
    a.metric,
    a.segment,
    a.is_yes as is_yes_from,
    b.is_yes as is_yes_to
from answers as a
inner join answers as b
    on a.org_key = b.org_key and a.metric = b.metric and a.wave_id < b.wave_id
