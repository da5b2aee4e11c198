{#- The item tables (metrics.md: innovation_types, partner_types, barriers, enablers) and their
    segment differences, from the facts of the item concepts joined to fct_survey_response for
    the analysis base (statoverall 4, current rows) and the segment. -#}

{#- Every wave x segment x item of a dimension for the waves whose study maps the concept (so
    that empty cells are published, suppressed; an unmapped concept publishes no rows). -#}
{% macro item_grid(dimension, key_column, concept) -%}
    select s.wave_id, s.segment, d.{{ key_column }} as key, d.label_da
    from {{ ref('dim_wave_segment') }} as s
    inner join (select distinct wave_id from {{ ref('dim_question') }} where concept = '{{ concept }}') as w
        on s.wave_id = w.wave_id
    cross join {{ ref(dimension) }} as d
{%- endmacro %}

{#- The fact's rows of base respondents, each under 'alle' and its own segment. -#}
{% macro base_item_rows(fact, where) -%}
    select s.segment, f.*
    from {{ ref(fact) }} as f
    inner join {{ ref('fct_survey_response') }} as r
        on f.wave_id = r.wave_id and f.line = r.line
    {{ in_segments('r') }}
    where r.is_completed and {{ where }}
{%- endmacro %}

{#- Counts of a 0/1 item concept per wave x segment x item: n_base (item answered), n_yes (ticked). -#}
{% macro item_share_counts(concept, fact, dimension, key_column, yes_column, where='true') -%}
    select g.wave_id, g.segment, g.key, g.label_da,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           cast(coalesce(c.n_yes, 0) as integer) as n_yes
    from ({{ item_grid(dimension, key_column, concept) }}) as g
    left join (
        select wave_id, segment, {{ key_column }} as key,
               count(*) as n_base,
               sum(case when {{ yes_column }} then 1 else 0 end) as n_yes
        from ({{ base_item_rows(fact, where) }}) as a
        group by wave_id, segment, {{ key_column }}
    ) as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.key = c.key
{%- endmacro %}

{#- Counts of a 1-5 matrix concept per wave x segment x item: n_base (score 1..5, "ved ikke" left
    out), the mean score, n_high (4-5), and for barriers the eased item (n_base_eased, n_eased). -#}
{% macro item_score_counts(concept, fact, dimension, key_column, score_column, high_column, eased_column=none) -%}
    select g.wave_id, g.segment, g.key, g.label_da,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           c.mean_score,
           cast(coalesce(c.n_high, 0) as integer) as n_high
           {%- if eased_column %},
           cast(coalesce(c.n_base_eased, 0) as integer) as n_base_eased,
           cast(coalesce(c.n_eased, 0) as integer) as n_eased
           {%- endif %}
    from ({{ item_grid(dimension, key_column, concept) }}) as g
    left join (
        select wave_id, segment, {{ key_column }} as key,
               count({{ score_column }}) as n_base,
               avg(cast({{ score_column }} as double)) as mean_score,
               sum(case when {{ high_column }} then 1 else 0 end) as n_high
               {%- if eased_column %},
               count({{ eased_column }}) as n_base_eased,
               sum(case when {{ eased_column }} then 1 else 0 end) as n_eased
               {%- endif %}
        from ({{ base_item_rows(fact, 'true') }}) as a
        group by wave_id, segment, {{ key_column }}
    ) as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.key = c.key
{%- endmacro %}

{#- The published share table of a 0/1 item concept: Wilson interval, suppression (complementary
    along segment to alle). -#}
{% macro item_shares(key_name, counts) -%}
with {{ suppressed_cells('counted', counts, ['wave_id', 'key']) }}

select
    wave_id,
    segment,
    key as {{ key_name }},
    label_da,
    n_base,
    {{ share_columns('n_yes', 'n_base') }}
from counted
{%- endmacro %}

{#- The published score table of a 1-5 matrix concept: mean, share 4-5 (and share eased). -#}
{% macro item_scores(key_name, counts, eased=false) -%}
with {{ suppressed_cells('scored', counts, ['wave_id', 'key']) }},

{% if eased -%}
{{ suppressed_cells('counted', 'select * from scored', ['wave_id', 'key'], 'n_base_eased', 'eased_') }}
{%- else -%}
counted as (
    select * from scored
)
{%- endif %}

select
    wave_id,
    segment,
    key as {{ key_name }},
    label_da,
    n_base,
    {{ unless_suppressed('mean_score') }} as mean_score,
    {{ unless_suppressed('cast(n_high as double) / n_base') }} as share_high,
    {{ unless_suppressed(wilson_low('n_high', 'n_base')) }} as share_high_ci_low,
    {{ unless_suppressed(wilson_high('n_high', 'n_base')) }} as share_high_ci_high,
    {%- if eased %}
    n_base_eased,
    {{ unless_suppressed('cast(n_eased as double) / n_base_eased', 'eased_suppressed') }} as share_eased,
    {{ unless_suppressed(wilson_low('n_eased', 'n_base_eased'), 'eased_suppressed') }} as share_eased_ci_low,
    {{ unless_suppressed(wilson_high('n_eased', 'n_base_eased'), 'eased_suppressed') }} as share_eased_ci_high,
    {%- endif %}
    suppressed,
    secondary_suppressed
from counted
{%- endmacro %}

{#- The counts of each item concept, as the item tables and their differences read them. -#}
{% macro innovation_type_counts() -%}
    {{ item_share_counts('innovation_types', 'fct_innovation', 'dim_innovation_type', 'innovation_type_key', 'is_selected') }}
{%- endmacro %}
{% macro partner_type_counts() -%}
    {{ item_share_counts('partner_types', 'fct_partnership', 'dim_partner_type', 'partner_type_key', 'is_new_partner',
                         where="f.partnership_source = 'survey'") }}
{%- endmacro %}
{% macro barrier_counts() -%}
    {{ item_score_counts('barriers', 'fct_barrier', 'dim_barrier', 'barrier_key', 'hinder_score', 'hinder_high',
                         eased_column='is_eased') }}
{%- endmacro %}
{% macro enabler_counts() -%}
    {{ item_score_counts('enablers', 'fct_enabler', 'dim_enabler', 'enabler_key', 'enabler_score', 'enabler_high') }}
{%- endmacro %}
