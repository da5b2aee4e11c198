-- The partner_types code list (seed), with its survey item number and Danish and English labels.
{{ reference_dimension('ref_partner_types', 'partner_type_key') }}
