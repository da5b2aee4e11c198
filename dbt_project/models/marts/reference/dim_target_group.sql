-- The target_groups code list (seed), with its survey item number and Danish and English labels.
{{ reference_dimension('ref_target_groups', 'target_group_key') }}
