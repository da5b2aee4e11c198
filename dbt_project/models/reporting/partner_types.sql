-- New kinds of partners (concept partner_types) per wave x segment x partner type (metrics.md).
{{ item_shares('partner_types', 'ref_partner_types', 'partner_type') }}
