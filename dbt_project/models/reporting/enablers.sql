-- What made the change possible (q11_k, 1-5) per wave x segment x enabler (metrics.md).
{{ item_scores('q11', 'ref_enablers', 'enabler') }}
