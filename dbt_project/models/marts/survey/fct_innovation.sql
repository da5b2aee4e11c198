-- Grain: respondent x wave x innovation type (q3_k answered): was the kind of initiative taken.
{{ item_selection_fact('q3', 'dim_innovation_type', 'innovation_type_key') }}
