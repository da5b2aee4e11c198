-- Grain: one row per respondent per wave (re-submissions resolved): status, headline answers, flags.
select
    r.wave_id,
    r.respondent_key,
    r.org_key,
    cast(coalesce(p.kommune_kode, 0) as integer) as kommune_kode,
    r.segment,
    r.statoverall,
    r.record_status,
    r.is_answered,
    r.is_completed,
    r.is_quarantined,
    {{ date_key('r.started_at') }} as started_date_key,
    {{ date_key('r.submitted_at') }} as submitted_date_key,
    p.innovation as innovation_answer,
    p.drawer_ideas as drawer_idea_answer,
    p.durability as durability_answer,
    p.more_partners as external_actors_answer,
    p.collaboration as collaboration_answer,
    p.others_can_learn as others_can_learn_answer,
    coalesce(p.innovation = 1, false) as has_marked_innovation,
    coalesce(p.innovation in (1, 2), false) as has_innovation,
    coalesce(p.drawer_ideas = 1, false) as has_drawer_idea,
    coalesce(p.more_partners = 1, false) as has_more_external_actors,
    coalesce(p.others_can_learn = 1, false) as says_others_can_learn
from {{ ref('int_survey__rows') }} as r
left join {{ ref('int_survey__respondent_profile') }} as p
    on r.wave_id = p.wave_id and r.line = p.line
