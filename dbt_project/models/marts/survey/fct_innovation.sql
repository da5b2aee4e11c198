-- Grain: respondent x wave x innovation type (innovation_types answered): was the kind of initiative taken.
-- Built by wave (macros/by_wave.sql).
{{ config(**by_wave()) }}
{{ item_selection_fact('innovation_types', 'dim_innovation_type', 'innovation_type_key') }}
