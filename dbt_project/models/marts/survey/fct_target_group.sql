-- Grain: respondent x wave x target group (target_groups answered): does the organisation work with it.
{{ item_selection_fact('target_groups', 'dim_target_group', 'target_group_key') }}
