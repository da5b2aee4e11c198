-- Kinds of new initiatives (concept innovation_types) per wave x segment x innovation type (metrics.md), from fct_innovation.
{{ item_shares('innovation_type', innovation_type_counts()) }}
