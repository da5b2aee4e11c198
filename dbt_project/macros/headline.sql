{#- Counts of the headline metrics per wave x segment x metric, from fct_headline_metric: every
    metric a wave has for every segment it is published for (an empty cell has n_base 0), the
    respondents in the base and those yes, and with weighted=true the weighted share and Kish's
    effective n (metrics.md, "Weighted estimates"). The headline table and both difference tables
    read these counts. -#}
{% macro headline_counts(weighted=false) -%}
    select g.wave_id, g.segment, g.metric,
           cast(coalesce(c.n_base, 0) as integer) as n_base,
           cast(coalesce(c.n_yes, 0) as integer) as n_yes
           {%- if weighted %},
           case when c.sum_w > 0 then c.sum_w_yes / c.sum_w end as weighted_share,
           case when c.sum_w2 > 0 then c.sum_w * c.sum_w / c.sum_w2 end as n_effective
           {%- endif %}
    from (
        select m.wave_id, s.segment, m.metric
        from {{ ref('dim_wave_metric') }} as m
        inner join {{ ref('dim_wave_segment') }} as s
            on m.wave_id = s.wave_id
    ) as g
    left join (
        select
            f.wave_id, s.segment, f.metric,
            sum(case when f.in_base then 1 else 0 end) as n_base,
            sum(case when f.in_base and f.is_yes then 1 else 0 end) as n_yes
            {%- if weighted %},
            -- NULL weights make the sums NULL. Summed as decimals: a sum of doubles depends on the
            -- order parallel threads add them in, a decimal sum is exact, so the same landing
            -- files publish the same bits.
            cast(sum(case when f.in_base then {{ exact('r.weight') }} else 0 end) as double) as sum_w,
            cast(sum(case when f.in_base and f.is_yes then {{ exact('r.weight') }} else 0 end) as double) as sum_w_yes,
            cast(sum(case when f.in_base then {{ exact('r.weight * r.weight') }} else 0 end) as double) as sum_w2
            {%- endif %}
        from {{ ref('fct_headline_metric') }} as f
        inner join {{ ref('fct_survey_response') }} as r
            on f.wave_id = r.wave_id and f.line = r.line
        {{ in_segments('r') }}
        group by f.wave_id, s.segment, f.metric
    ) as c
        on g.wave_id = c.wave_id and g.segment = c.segment and g.metric = c.metric
{%- endmacro %}

{#- The side of a difference: a share with its Wilson interval (NULL when suppressed, as in the
    published share tables) and suppression, as columns <prefix>_share/_low/_high/_yes/_base/
    _suppressed, from cells with n_yes, n_base and their final suppression flag (suppressed_cells). -#}
{% macro difference_side(alias, prefix) -%}
{%- set hidden = alias ~ '.suppressed' -%}
    {{ unless_suppressed('cast(' ~ alias ~ '.n_yes as double) / ' ~ alias ~ '.n_base', hidden) }} as {{ prefix }}_share,
    {{ unless_suppressed(wilson_low(alias ~ '.n_yes', alias ~ '.n_base'), hidden) }} as {{ prefix }}_low,
    {{ unless_suppressed(wilson_high(alias ~ '.n_yes', alias ~ '.n_base'), hidden) }} as {{ prefix }}_high,
    {{ unless_suppressed(alias ~ '.n_yes', hidden) }} as {{ prefix }}_yes,
    {{ alias }}.n_base as {{ prefix }}_base,
    {{ hidden }} as {{ prefix }}_suppressed
{%- endmacro %}
