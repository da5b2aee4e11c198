-- What made the change possible (concept enablers, 1-5) per wave x segment x enabler (metrics.md).
{{ item_scores('enablers', 'ref_enablers', 'enabler') }}
