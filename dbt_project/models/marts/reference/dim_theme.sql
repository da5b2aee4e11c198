-- Interview themes (seed), with Danish and English labels.
select
    cast(key as string) as theme_key,
    cast(label_da as string) as label_da,
    cast(label_en as string) as label_en
from {{ ref('ref_themes') }}
