-- One row per organisation (keyed pseudonym of its name; never the name or e-mail), described by
-- its most recent answer: segment, geographic scope, size bands and municipality.
with answers as (
    select
        r.org_key,
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
)

select
    org_key,
    segment,
    cast(geo_scope as integer) as geo_scope,
    cast(case geo_scope when 1 then 'Lokalt' when 2 then 'Regionalt' when 3 then 'Landsdækkende' end as string)
        as geo_scope_label_da,
    cast(staff_size as integer) as staff_size_band,
    cast(volunteer_size as integer) as volunteer_size_band,
    cast(kommune_kode as integer) as kommune_kode
from answers
where recency = 1
