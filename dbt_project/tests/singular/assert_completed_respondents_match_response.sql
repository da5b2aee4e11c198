-- Per wave, the completed respondents in fct_survey_response equal the analysis base in reporting.response.
{{ config(meta={'dagster': {'ref': {'name': 'response'}}}) }}
select f.wave_id, f.n_completed, r.n_completed as n_completed_reported
from (
    select wave_id, sum(case when is_completed then 1 else 0 end) as n_completed
    from {{ ref('fct_survey_response') }}
    group by wave_id
) as f
full outer join (
    select wave_id, n_completed from {{ ref('response') }} where segment = 'alle'
) as r
    on f.wave_id = r.wave_id
where f.n_completed is null or r.n_completed is null or f.n_completed <> r.n_completed
