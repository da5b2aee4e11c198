-- New kinds of partners (concept partner_types) per wave x segment x partner type (metrics.md), from fct_partnership.
{{ item_shares('partner_type', partner_type_counts()) }}
