-- Interview themes (seed), with Danish and English labels.
select
    cast(key as varchar) as theme_key,
    cast(label_da as varchar) as label_da,
    cast(label_en as varchar) as label_en
from {{ ref('ref_themes') }}
