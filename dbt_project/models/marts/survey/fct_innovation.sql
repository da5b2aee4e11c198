-- Grain: respondent x wave x innovation type (innovation_types answered): was the kind of initiative taken.
{{ item_selection_fact('innovation_types', 'dim_innovation_type', 'innovation_type_key') }}
