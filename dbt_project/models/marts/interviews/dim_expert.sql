-- One row per interviewed expert with consent: a keyed pseudonym, sector and role only.
select
    expert_key,
    max(sector) as sector_key,
    max(role) as role
from {{ ref('stg_interviews__interviews') }}
where consent and expert_key is not null
group by expert_key
