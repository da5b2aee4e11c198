-- New kinds of partners (q7_k) per wave x segment x partner type (metrics.md).
{{ item_shares('q7', 'ref_partner_types', 'partner_type') }}
