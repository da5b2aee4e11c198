-- Every row of fct_case_innovation names exactly one of innovation type, target group and barrier.
select case_id, item_list
from {{ ref('fct_case_innovation') }}
where (case when innovation_type_key is null then 0 else 1 end)
    + (case when target_group_key is null then 0 else 1 end)
    + (case when barrier_key is null then 0 else 1 end) <> 1
