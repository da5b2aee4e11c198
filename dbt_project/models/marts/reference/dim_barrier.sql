-- The barriers code list (seed), with its survey item number and Danish and English labels.
{{ reference_dimension('ref_barriers', 'barrier_key') }}
