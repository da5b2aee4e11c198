-- Kinds of new initiatives (q3_k) per wave x segment x innovation type (metrics.md).
{{ item_shares('q3', 'ref_innovation_types', 'innovation_type') }}
