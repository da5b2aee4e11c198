-- Grain: respondent x wave x target group (target_groups answered): does the organisation work with it.
-- Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
{{ item_selection_fact('target_groups', 'dim_target_group', 'target_group_key') }}
