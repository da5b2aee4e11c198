{#- Shapes shared by several marts. -#}

{#- A dimension over a survey code list (seed): key, item number, Danish and English labels. -#}
{% macro reference_dimension(seed, key_name) -%}
select
    cast(key as string) as {{ key_name }},
    cast(item as integer) as item,
    cast(label_da as string) as label_da,
    cast(label_en as string) as label_en
from {{ ref(seed) }}
{%- endmacro %}

{#- A fact of a 0/1 item concept: respondent x wave x item, ticked or not. -#}
{% macro item_selection_fact(concept, dimension, key_name) -%}
select
    a.wave_id,
    a.line,
    a.respondent_key,
    d.{{ key_name }},
    a.value_code = 1 as is_selected
from {{ ref('int_survey__item_answers') }} as a
inner join {{ ref(dimension) }} as d
    on a.item = d.item
where a.concept = '{{ concept }}' and {{ in_rebuilt_waves('a.wave_id') }}
{%- endmacro %}
