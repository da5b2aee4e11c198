-- What hindered (concept barriers, 1-5) and what eased (barriers_eased) per wave x segment x barrier (metrics.md).
{{ item_scores('barriers', 'ref_barriers', 'barrier', eased_concept='barriers_eased') }}
