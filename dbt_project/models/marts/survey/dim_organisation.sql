-- One row per organisation across waves: the keyed pseudonym of its id from the invitation list
-- (org_id, the same in every wave it is invited to), else of its name; never the id or the name.
-- Described by its most recent answer (segment, geographic scope, size bands, municipality), with the
-- waves it answered in.
with answers as (
    select
        r.org_key,
        r.org_key_source,
        r.wave_id,
        r.segment,
        p.geo_scope,
        p.staff_size,
        p.volunteer_size,
        coalesce(p.kommune_kode, 0) as kommune_kode,
        row_number() over (partition by r.org_key order by r.wave_id desc, r.line desc) as recency
    from {{ ref('int_survey__rows') }} as r
    inner join {{ ref('int_survey__respondent_profile') }} as p
        on r.wave_id = p.wave_id and r.line = p.line
    where r.org_key is not null
),

waves as (
    select org_key, min(wave_id) as first_wave_id, max(wave_id) as last_wave_id,
           count(distinct wave_id) as n_waves
    from answers
    group by org_key
)

select
    a.org_key,
    a.org_key_source,
    a.segment,
    cast(a.geo_scope as integer) as geo_scope,
    cast(case a.geo_scope when 1 then 'Lokalt' when 2 then 'Regionalt' when 3 then 'Landsdækkende' end as string)
        as geo_scope_label_da,
    cast(a.staff_size as integer) as staff_size_band,
    cast(a.volunteer_size as integer) as volunteer_size_band,
    cast(a.kommune_kode as integer) as kommune_kode,
    w.first_wave_id,
    w.last_wave_id,
    cast(w.n_waves as integer) as n_waves
from answers as a
inner join waves as w
    on a.org_key = w.org_key
where a.recency = 1
