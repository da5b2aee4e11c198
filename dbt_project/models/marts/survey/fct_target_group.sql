-- Grain: respondent x wave x target group (q1_k answered): does the organisation work with it.
{{ item_selection_fact('q1', 'dim_target_group', 'target_group_key') }}
