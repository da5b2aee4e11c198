-- Types of the organisations named in the cases (seed), with labels and their sector.
select
    cast(key as string) as org_type,
    cast(label_da as string) as label_da,
    cast(label_en as string) as label_en,
    cast(sector as string) as sector
from {{ ref('ref_case_org_types') }}
