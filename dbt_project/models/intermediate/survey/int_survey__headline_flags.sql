-- Per base respondent and segment: in the base of each headline metric, and yes or not.
-- Grain: wave_id x line x segment x metric.
with wide as (
    select
        wave_id,
        line,
        max(case when variable = 'q2' then value_code end) as q2,
        max(case when variable = 'q4' then value_code end) as q4,
        max(case when variable = 'q5' then value_code end) as q5,
        max(case when variable = 'q6' then value_code end) as q6,
        max(case when variable = 'q12' then value_code end) as q12,
        sum(case when question = 'q7' then 1 else 0 end) as q7_answered,
        max(case when question = 'q7' and value_code = 1 then 1 else 0 end) as q7_any
    from {{ ref('int_survey__base_answers') }}
    group by wave_id, line
),

base_rows as (
    select r.wave_id, r.line, s.segment
    from {{ ref('int_survey__rows') }} as r
    {{ in_segments('r') }}
    where r.is_completed
),

q7_items as (
    select wave_id, count(*) as n_items
    from {{ ref('stg_survey__variables') }}
    where question = 'q7'
    group by wave_id
),

answers as (
    select
        b.wave_id, b.line, b.segment,
        w.q2, w.q4, w.q5, w.q6, w.q12,
        coalesce(w.q7_answered, 0) as q7_answered,
        coalesce(w.q7_any, 0) as q7_any,
        i.n_items as q7_items
    from base_rows as b
    left join wide as w
        on b.wave_id = w.wave_id and b.line = w.line
    left join q7_items as i
        on b.wave_id = i.wave_id
)

select wave_id, line, segment, 'markant_innovation' as metric,
       q2 is not null as in_base, coalesce(q2 = 1, false) as is_yes from answers
union all
select wave_id, line, segment, 'innovation', q2 is not null, coalesce(q2 in (1, 2), false) from answers
union all
select wave_id, line, segment, 'skuffeide', q4 is not null, coalesce(q4 = 1, false) from answers
union all
select wave_id, line, segment, 'forventer_varighed', coalesce(q5 between 1 and 5, false),
       coalesce(q5 in (4, 5), false) from answers
union all
select wave_id, line, segment, 'flere_eksterne_aktoerer', q6 is not null, coalesce(q6 = 1, false) from answers
union all
select wave_id, line, segment, 'kan_laere_af', q12 is not null and coalesce(q6 = 1, false),
       coalesce(q12 = 1, false) from answers
union all
select wave_id, line, segment, 'nye_partnere', q7_items > 0 and q7_answered = q7_items, q7_any = 1 from answers
