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

{% macro wilson_low(n_yes, n_base) -%}{{ wilson_bound(n_yes, n_base, '-') }}{%- endmacro %}
{% macro wilson_high(n_yes, n_base) -%}{{ wilson_bound(n_yes, n_base, '+') }}{%- endmacro %}

{#- The value, or NULL when the base is below the suppression limit (n < 5). -#}
{% macro unless_suppressed(expression, n_base) -%}
    case when {{ n_base }} >= {{ var('suppression_limit', 5) }} then {{ expression }} end
{%- endmacro %}

{#- The reporting segments: everyone, associations, municipal services. -#}
{% macro segments() -%}
    select 'alle' as segment union all select 'forening' union all select 'kommunalt_tilbud'
{%- endmacro %}
