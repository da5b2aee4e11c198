{#- Metric SQL shared by the reporting models (portable: DuckDB and Spark). -#}

{#- 95 % Wilson score interval of a share p with n observations (z = 1.959964); n may be an
    effective n (weighted estimates). NULL when n is not positive. -#}
{% macro wilson_bound_p(p, n, sign) -%}
    case when {{ n }} > 0 then
        (
            ({{ p }} + 1.959964 * 1.959964 / (2.0 * {{ n }}))
            {{ sign }} 1.959964 * sqrt(
                ({{ p }}) * (1 - {{ p }}) / {{ n }}
                + 1.959964 * 1.959964 / (4.0 * {{ n }} * {{ n }})
            )
        ) / (1 + 1.959964 * 1.959964 / {{ n }})
    end
{%- endmacro %}

{#- 95 % Wilson score interval of n_yes / n_base; NULL when n_base is 0. -#}
{% macro wilson_bound(n_yes, n_base, sign) -%}
    {{ wilson_bound_p('cast(' ~ n_yes ~ ' as double) / ' ~ n_base, n_base, sign) }}
{%- endmacro %}

{#- At a share of 0 (1) the lower (upper) bound is exactly 0 (1); the formula leaves float noise. -#}
{% macro wilson_low(n_yes, n_base) -%}
    case when {{ n_yes }} = 0 and {{ n_base }} > 0 then 0.0 else {{ wilson_bound(n_yes, n_base, '-') }} end
{%- endmacro %}
{% macro wilson_high(n_yes, n_base) -%}
    case when {{ n_yes }} = {{ n_base }} and {{ n_base }} > 0 then 1.0 else {{ wilson_bound(n_yes, n_base, '+') }} end
{%- endmacro %}

{#- A double as an exact decimal for summing (decimal sums do not depend on the order of addition). -#}
{% macro exact(expression) -%}
    cast({{ expression }} as decimal(38, 18))
{%- endmacro %}

{#- Disclosure control, the one rule: a cell on fewer answers than the suppression limit (dbt var
    suppression_limit) is suppressed. -#}
{% macro suppression_limit() -%}
    {{ var('suppression_limit') }}
{%- endmacro %}
{% macro is_suppressed(n_base) -%}
    ({{ n_base }} < {{ suppression_limit() }})
{%- endmacro %}

{#- The value, or NULL when its cell is suppressed. -#}
{% macro unless_suppressed(expression, n_base) -%}
    case when not {{ is_suppressed(n_base) }} then {{ expression }} end
{%- endmacro %}

{#- The reporting segments: everyone, associations, municipal services. -#}
{% macro segments() -%}
    select 'alle' as segment union all select 'forening' union all select 'kommunalt_tilbud'
{%- endmacro %}

{#- Join each row of `alias` (with a `segment` column, NULL when unknown) to the segments it counts
    in: 'alle' and its own. -#}
{% macro in_segments(alias) -%}
    inner join ({{ segments() }}) as s
        on s.segment = 'alle' or s.segment = {{ alias }}.segment
{%- endmacro %}

{#- The published columns of a share: n_yes, share, Wilson ci_low / ci_high, suppressed (NULLs when suppressed). -#}
{% macro share_columns(n_yes, n_base) -%}
    {{ unless_suppressed(n_yes, n_base) }} as n_yes,
    {{ unless_suppressed('cast(' ~ n_yes ~ ' as double) / ' ~ n_base, n_base) }} as share,
    {{ unless_suppressed(wilson_low(n_yes, n_base), n_base) }} as ci_low,
    {{ unless_suppressed(wilson_high(n_yes, n_base), n_base) }} as ci_high,
    {{ is_suppressed(n_base) }} as suppressed
{%- endmacro %}

{#- The key of an organisation named in a case (public names, so a plain hash is enough). -#}
{% macro case_org_key(name, org_type) -%}
    md5(concat(lower(trim({{ name }})), '|', {{ org_type }}))
{%- endmacro %}

{#- The upper tail of the standard normal, 2(1 - Phi(|z|)) = erfc(|z| / sqrt 2), for a two-sided
    p-value. Neither DuckDB nor Spark has erf, so this is the Chebyshev approximation of erfc of
    Numerical Recipes (erfcc; fractional error below 1.2e-7 everywhere), capped at 1 (at z = 0 the
    approximation gives 1 + 2e-9). -#}
{% macro two_sided_p(z) -%}
    least(1.0, (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * exp(
        -(abs({{ z }}) / sqrt(2.0)) * (abs({{ z }}) / sqrt(2.0)) - 1.26551223
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (1.00002368
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (0.37409196
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (0.09678418
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (-0.18628806
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (0.27886807
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (-1.13520398
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (1.48851587
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * (-0.82215223
        + (1.0 / (1.0 + 0.5 * abs({{ z }}) / sqrt(2.0))) * 0.17087277))))))))
    ))
{%- endmacro %}

{#- Difference of two shares (1 minus 2) with Newcombe's hybrid score interval (method 10) from the
    two Wilson intervals and the pooled two-proportion z-test (metrics.md). Expects columns
    <one>_share/_low/_high/_yes/_base, the same for <two>, and `comparable` (neither side suppressed,
    pooled share strictly between 0 and 1); everything is NULL (significant false) otherwise. -#}
{% macro difference_columns(one, two) -%}
    case when comparable then {{ one }}_share - {{ two }}_share end as difference,
    case when comparable then
        ({{ one }}_share - {{ two }}_share) - sqrt(
            ({{ one }}_share - {{ one }}_low) * ({{ one }}_share - {{ one }}_low)
            + ({{ two }}_high - {{ two }}_share) * ({{ two }}_high - {{ two }}_share))
    end as ci_low,
    case when comparable then
        ({{ one }}_share - {{ two }}_share) + sqrt(
            ({{ one }}_high - {{ one }}_share) * ({{ one }}_high - {{ one }}_share)
            + ({{ two }}_share - {{ two }}_low) * ({{ two }}_share - {{ two }}_low))
    end as ci_high,
    case when comparable then
        {{ two_sided_p(pooled_z(one, two)) }}
    end as p_value,
    coalesce(comparable and {{ two_sided_p(pooled_z(one, two)) }} < 0.05, false) as significant
{%- endmacro %}

{#- z of the pooled two-proportion test. -#}
{% macro pooled_z(one, two) -%}
    ({{ one }}_share - {{ two }}_share) / sqrt(
        (cast({{ one }}_yes + {{ two }}_yes as double) / ({{ one }}_base + {{ two }}_base))
        * (1 - cast({{ one }}_yes + {{ two }}_yes as double) / ({{ one }}_base + {{ two }}_base))
        * (1.0 / {{ one }}_base + 1.0 / {{ two }}_base))
{%- endmacro %}

{#- True when two sides can be compared: neither suppressed, pooled share strictly inside (0, 1). -#}
{% macro comparable(one, two) -%}
    coalesce(not {{ one }}_suppressed and not {{ two }}_suppressed
             and {{ one }}_yes + {{ two }}_yes > 0
             and {{ one }}_yes + {{ two }}_yes < {{ one }}_base + {{ two }}_base, false)
{%- endmacro %}
