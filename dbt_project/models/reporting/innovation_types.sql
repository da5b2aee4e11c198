-- Kinds of new initiatives (concept innovation_types) per wave x segment x innovation type (metrics.md).
{{ item_shares('innovation_types', 'ref_innovation_types', 'innovation_type') }}
