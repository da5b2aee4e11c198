-- Interview sectors (seed), with Danish and English labels.
select
    cast(key as string) as sector_key,
    cast(label_da as string) as label_da,
    cast(label_en as string) as label_en
from {{ ref('ref_interview_sectors') }}
