-- Grain: one row per respondent per wave (re-submissions resolved): status, area, survey weight
-- and the answers of the single-choice headline questions. What counts as yes for a metric is
-- fct_headline_metric's, by the metrics' one definition.
select
    r.wave_id,
    r.line,
    r.respondent_key,
    r.org_key,
    r.org_key_source,
    cast(a.kommune_kode as integer) as kommune_kode,
    r.segment,
    r.statoverall,
    r.record_status,
    r.is_answered,
    r.is_completed,
    r.is_quarantined,
    {{ date_key('r.started_at') }} as started_date_key,
    {{ date_key('r.submitted_at') }} as submitted_date_key,
    w.weight,
    p.innovation as innovation_answer,
    p.drawer_ideas as drawer_idea_answer,
    p.durability as durability_answer,
    p.more_partners as external_actors_answer,
    p.collaboration as collaboration_answer,
    p.others_can_learn as others_can_learn_answer
from {{ ref('int_survey__rows') }} as r
left join {{ ref('int_survey__respondent_profile') }} as p
    on r.wave_id = p.wave_id and r.line = p.line
left join {{ ref('int_survey__respondent_area') }} as a
    on r.wave_id = a.wave_id and r.line = a.line
left join {{ ref('int_survey__weights') }} as w
    on r.wave_id = w.wave_id and r.line = w.line
