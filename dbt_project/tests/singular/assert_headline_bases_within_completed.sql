-- No headline metric has a base larger than the wave's completed respondents of its segment.
{{ config(meta={'dagster': {'ref': {'name': 'headline_metrics'}}}) }}
select h.wave_id, h.segment, h.metric, h.n_base, r.n_completed
from {{ ref('headline_metrics') }} as h
inner join {{ ref('response') }} as r
    on h.wave_id = r.wave_id and h.segment = r.segment
where h.n_base > r.n_completed
