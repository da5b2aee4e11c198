{#- Share table of a 0/1 item concept (innovation_types, partner_types): per wave x segment x reference item,
    base = item not blank, yes = item 1; Wilson interval, suppression below n = 5. -#}
{% macro item_shares(concept, reference, key_name) -%}
with grid as (
    {{ item_grid(reference, concept) }}
),

counted as (
    select
        a.wave_id, s.segment,
        a.item,
        count(*) as n_base,
        sum(case when a.value_code = 1 then 1 else 0 end) as n_yes
    from {{ ref('int_survey__base_answers') }} as a
    {{ in_segments('a') }}
    where a.concept = '{{ concept }}'
    group by a.wave_id, s.segment, a.item
),

filled as (
    select g.wave_id, g.segment, g.key, g.label_da, g.item,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           cast(coalesce(c.n_yes, 0) as integer) as n_yes
    from grid as g
    left join counted as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.item = c.item
)

select
    wave_id,
    segment,
    key as {{ key_name }},
    label_da,
    n_base,
    {{ share_columns('n_yes', 'n_base') }}
from filled
{%- endmacro %}

{#- Score table of a 1-5 matrix concept (barriers, enablers): base = item in 1..5 ("ved ikke"
    left out), mean score and share 4-5; for barriers also the eased item (barriers_eased) share. -#}
{% macro item_scores(concept, reference, key_name, eased_concept=none) -%}
with grid as (
    {{ item_grid(reference, concept) }}
),

items as (
    select a.wave_id, s.segment, a.concept, a.value_code, a.item
    from {{ ref('int_survey__base_answers') }} as a
    {{ in_segments('a') }}
    where a.concept in ('{{ concept }}'{% if eased_concept %}, '{{ eased_concept }}'{% endif %})
),

counted as (
    select
        wave_id, segment, item,
        sum(case when concept = '{{ concept }}' and value_code between 1 and 5 then 1 else 0 end) as n_base,
        avg(case when concept = '{{ concept }}' and value_code between 1 and 5 then cast(value_code as double) end)
            as mean_score,
        sum(case when concept = '{{ concept }}' and value_code in (4, 5) then 1 else 0 end) as n_high
        {%- if eased_concept %},
        sum(case when concept = '{{ eased_concept }}' then 1 else 0 end) as n_base_eased,
        sum(case when concept = '{{ eased_concept }}' and value_code = 1 then 1 else 0 end) as n_eased
        {%- endif %}
    from items
    group by wave_id, segment, item
),

filled as (
    select g.wave_id, g.segment, g.key, g.label_da,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           c.mean_score,
           coalesce(c.n_high, 0) as n_high
           {%- if eased_concept %},
           cast(coalesce(c.n_base_eased, 0) as integer) as n_base_eased,
           coalesce(c.n_eased, 0) as n_eased
           {%- endif %}
    from grid as g
    left join counted as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.item = c.item
)

select
    wave_id,
    segment,
    key as {{ key_name }},
    label_da,
    n_base,
    {{ unless_suppressed('mean_score', 'n_base') }} as mean_score,
    {{ unless_suppressed('cast(n_high as double) / n_base', 'n_base') }} as share_high,
    {%- if eased_concept %}
    n_base_eased,
    {{ unless_suppressed('cast(n_eased as double) / n_base_eased', 'n_base_eased') }} as share_eased,
    {%- endif %}
    n_base < {{ var('suppression_limit') }} as suppressed
from filled
{%- endmacro %}
