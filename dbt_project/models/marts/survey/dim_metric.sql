-- The headline metrics' one definition (seed def_headline_metrics): concept, rule, codes, labels.
select
    cast(metric as string) as metric,
    cast(sort_order as integer) as sort_order,
    cast(concept as string) as concept,
    cast(rule as string) as rule,
    cast(yes_codes as string) as yes_codes,
    cast(base_codes as string) as base_codes,
    cast(condition_concept as string) as condition_concept,
    cast(condition_codes as string) as condition_codes,
    cast(label_da as string) as label_da,
    cast(sentence_da as string) as sentence_da
from {{ ref('def_headline_metrics') }}
