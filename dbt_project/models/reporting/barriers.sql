-- What hindered (concept barriers, 1-5) and what eased (barriers_eased) per wave x segment x barrier (metrics.md), from fct_barrier.
{{ item_scores('barrier', barrier_counts(), eased=true) }}
