-- What hindered (q9_k, 1-5) and what eased (q10_k) per wave x segment x barrier (metrics.md).
{{ item_scores('q9', 'ref_barriers', 'barrier', eased_question='q10') }}
