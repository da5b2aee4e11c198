-- The headline metrics' one definition (dim_metric, from seed def_headline_metrics), published so
-- that the report labels and explains the metrics from it instead of a list of its own.
select
    metric, sort_order, concept, rule, yes_codes, base_codes, condition_concept, condition_codes,
    label_da, sentence_da
from {{ ref('dim_metric') }}
