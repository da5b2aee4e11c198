-- Grain: case x listed item, where the item is exactly one of an innovation type, a target group
-- or a barrier overcome (the other two keys are NULL).
select
    case_id,
    item_list,
    case when item_list = 'innovation_types' then item_key end as innovation_type_key,
    case when item_list = 'target_groups' then item_key end as target_group_key,
    case when item_list = 'barriers_overcome' then item_key end as barrier_key
from {{ ref('stg_cases__case_items') }}
