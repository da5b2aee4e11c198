-- The partner_types code list (seed), with its survey item number and Danish and English labels.
select
    cast(key as varchar) as partner_type_key,
    cast(item as integer) as item,
    cast(label_da as varchar) as label_da,
    cast(label_en as varchar) as label_en
from {{ ref('ref_partner_types') }}
