-- What made the change possible (concept enablers, 1-5) per wave x segment x enabler (metrics.md), from fct_enabler.
{{ item_scores('enabler', enabler_counts()) }}
