{#- Metric SQL shared by the reporting models (portable: DuckDB and Spark). -#}

{#- 95 % Wilson score interval of n_yes / n_base (z = 1.959964); NULL when n_base is 0. -#}
{% macro wilson_bound(n_yes, n_base, sign) -%}
    case when {{ n_base }} > 0 then
        (
            (cast({{ n_yes }} as double) / {{ n_base }} + 1.959964 * 1.959964 / (2.0 * {{ n_base }}))
            {{ sign }} 1.959964 * sqrt(
                (cast({{ n_yes }} as double) / {{ n_base }}) * (1 - cast({{ n_yes }} as double) / {{ n_base }}) / {{ n_base }}
                + 1.959964 * 1.959964 / (4.0 * {{ n_base }} * {{ n_base }})
            )
        ) / (1 + 1.959964 * 1.959964 / {{ n_base }})
    end
{%- endmacro %}

{#- At a share of 0 (1) the lower (upper) bound is exactly 0 (1); the formula leaves float noise. -#}
{% macro wilson_low(n_yes, n_base) -%}
    case when {{ n_yes }} = 0 and {{ n_base }} > 0 then 0.0 else {{ wilson_bound(n_yes, n_base, '-') }} end
{%- endmacro %}
{% macro wilson_high(n_yes, n_base) -%}
    case when {{ n_yes }} = {{ n_base }} and {{ n_base }} > 0 then 1.0 else {{ wilson_bound(n_yes, n_base, '+') }} end
{%- endmacro %}

{#- The value, or NULL when the base is below the suppression limit (n < 5). -#}
{% macro unless_suppressed(expression, n_base) -%}
    case when {{ n_base }} >= {{ var('suppression_limit', 5) }} then {{ expression }} end
{%- endmacro %}

{#- The reporting segments: everyone, associations, municipal services. -#}
{% macro segments() -%}
    select 'alle' as segment union all select 'forening' union all select 'kommunalt_tilbud'
{%- endmacro %}

{#- The published columns of a share: n_yes, share, Wilson ci_low / ci_high, suppressed (NULLs below 5). -#}
{% macro share_columns(n_yes, n_base) -%}
    {{ unless_suppressed(n_yes, n_base) }} as n_yes,
    {{ unless_suppressed('cast(' ~ n_yes ~ ' as double) / ' ~ n_base, n_base) }} as share,
    {{ unless_suppressed(wilson_low(n_yes, n_base), n_base) }} as ci_low,
    {{ unless_suppressed(wilson_high(n_yes, n_base), n_base) }} as ci_high,
    {{ n_base }} < {{ var('suppression_limit', 5) }} as suppressed
{%- endmacro %}

{#- Every wave x segment x item of a reference list (so that empty cells are published, suppressed). -#}
{% macro item_grid(reference) -%}
    select w.wave_id, s.segment, r.item, r.key, r.label_da
    from (select distinct wave_id from {{ ref('int_survey__rows') }}) as w
    cross join ({{ segments() }}) as s
    cross join {{ ref(reference) }} as r
{%- endmacro %}

{#- The key of an organisation named in a case (public names, so a plain hash is enough). -#}
{% macro case_org_key(name, org_type) -%}
    md5(concat(lower(trim({{ name }})), '|', {{ org_type }}))
{%- endmacro %}
