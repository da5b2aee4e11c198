-- The innovation_types code list (seed), with its survey item number and Danish and English labels.
{{ reference_dimension('ref_innovation_types', 'innovation_type_key') }}
