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

{#- The value, or NULL when its cell is suppressed (`hidden`: the cell's final flag, primary or
    secondary suppression). -#}
{% macro unless_suppressed(expression, hidden='suppressed') -%}
    case when not {{ hidden }} then {{ expression }} end
{%- endmacro %}

{#- Complementary (secondary) suppression of the parts of a published total (metrics.md,
    "Disclosure control"). `parts` is a relation (a CTE name or a parenthesised query) with the
    group columns, `part_column` (unique in its group, the tie-break), `base` (the part's n_base),
    `parent_base` (the total's n_base) and `parent_hidden` (the total's final flag). Returns one row
    per part: the group columns, the part, `suppressed` and `secondary_suppressed`.
    A part below the limit is suppressed (primary). When a group has one, or its total is hidden
    and its parts add up to it, further parts are suppressed, the smallest n_base first (then by
    part), until no hidden part can be had by subtraction: with the total shown at least two hidden
    parts (an unpublished residual of the total counts as one) whose n_base with the residual's is
    at least the limit; with the total hidden at least one hidden part and a hidden n_base of at
    least the limit (or every part). A part with n_base 0 is known to be 0 and protects nothing.
    Hand-written: no library does cell suppression in SQL on DuckDB and Spark (sdcTable and
    tau-Argus are R and Java tools over whole tables); the rule is the group rule of Statistics
    Denmark's discretion practice, written out in the method page. -#}
{% macro complementary_suppression(parts, group_columns, part_column, base='n_base') -%}
{%- set groups = group_columns | join(', ') -%}
{%- set order = 'case when ' ~ base ~ ' = 0 then 2 when primary_hidden then 0 else 1 end, ' ~ base ~ ', ' ~ part_column -%}
    select {{ groups }}, {{ part_column }},
           primary_hidden or part_rank <= n_hidden as suppressed,
           not primary_hidden and part_rank <= n_hidden as secondary_suppressed
    from (
        select ranked.*,
               case when n_primary > 0 or (parent_hidden and residual = 0 and n_parts > 0) then
                   coalesce(min(case when {{ base }} > 0 and part_rank >= n_primary and (
                                        (parent_hidden and not {{ is_suppressed('running_base') }})
                                        or (not parent_hidden
                                            and part_rank + case when residual > 0 then 1 else 0 end >= 2
                                            and not {{ is_suppressed('running_base + residual') }}))
                                     then part_rank end) over (partition by {{ groups }}), n_parts)
               else 0 end as n_hidden
        from (
            select flagged.*,
                   row_number() over (partition by {{ groups }} order by {{ order }}) as part_rank,
                   sum({{ base }}) over (partition by {{ groups }} order by {{ order }}
                                         rows between unbounded preceding and current row) as running_base,
                   sum(case when primary_hidden and {{ base }} > 0 then 1 else 0 end)
                       over (partition by {{ groups }}) as n_primary,
                   sum(case when {{ base }} > 0 then 1 else 0 end) over (partition by {{ groups }}) as n_parts,
                   case when parent_base > sum({{ base }}) over (partition by {{ groups }})
                        then parent_base - sum({{ base }}) over (partition by {{ groups }}) else 0 end as residual
            from (select p.*, {{ is_suppressed(base) }} as primary_hidden from {{ parts }} as p) as flagged
        ) as ranked
    ) as bounded
{%- endmacro %}

{#- The suppression flags of a table with segments beside `alle` (`cells`: a CTE name with the group
    columns, `segment` and `base`): `alle` is the total of the other segments; one row per cell with
    the group columns, segment, suppressed and secondary_suppressed. -#}
{% macro segment_suppression(cells, group_columns, base='n_base') -%}
{%- set joins = [] -%}
{%- for column in group_columns %}{% do joins.append('c.' ~ column ~ ' = t.' ~ column) %}{% endfor -%}
{%- set parts -%}
    (select c.*, t.{{ base }} as parent_base, {{ is_suppressed('t.' ~ base) }} as parent_hidden
     from {{ cells }} as c
     inner join {{ cells }} as t
         on {{ joins | join(' and ') }} and t.segment = 'alle'
     where c.segment <> 'alle')
{%- endset %}
    select {{ group_columns | join(', ') }}, segment, {{ is_suppressed(base) }} as suppressed,
           false as secondary_suppressed
    from {{ cells }}
    where segment = 'alle'
    union all
    {{ complementary_suppression(parts, group_columns, 'segment', base) }}
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

{#- Three CTE definitions ending in `name`: the cells of `counts` (a query with the group columns,
    `segment` and `base`) with their suppression flags (segment_suppression) as `suppressed` and
    `secondary_suppressed` (with a prefix, e.g. `eased_`, for a second base of the same cells). -#}
{% macro suppressed_cells(name, counts, group_columns, base='n_base', prefix='') -%}
{%- set keys = group_columns + ['segment'] -%}
{{ name }}_counts as (
    {{ counts }}
),

{{ name }}_flags as (
    {{ segment_suppression(name ~ '_counts', group_columns, base) }}
),

{{ name }} as (
    select c.*, f.suppressed as {{ prefix }}suppressed, f.secondary_suppressed as {{ prefix }}secondary_suppressed
    from {{ name }}_counts as c
    inner join {{ name }}_flags as f
        on {% for k in keys %}c.{{ k }} = f.{{ k }}{% if not loop.last %} and {% endif %}{% endfor %}
)
{%- endmacro %}

{#- The published columns of a share: n_yes, share, Wilson ci_low / ci_high (NULLs when the cell is
    suppressed), suppressed and secondary_suppressed, from a relation with the suppression flags. -#}
{% macro share_columns(n_yes, n_base) -%}
    {{ unless_suppressed(n_yes) }} as n_yes,
    {{ unless_suppressed('cast(' ~ n_yes ~ ' as double) / ' ~ n_base) }} as share,
    {{ unless_suppressed(wilson_low(n_yes, n_base)) }} as ci_low,
    {{ unless_suppressed(wilson_high(n_yes, n_base)) }} as ci_high,
    suppressed,
    secondary_suppressed
{%- endmacro %}

{#- The key of an organisation named in a case (public names, so a plain hash is enough). -#}
{% macro case_org_key(name, org_type) -%}
    md5(concat(lower(trim({{ name }})), '|', {{ org_type }}))
{%- endmacro %}

{#- erfc(x) for x >= 0 (a column or a simple expression), with W. J. Cody's rational Chebyshev
    approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23,
    1969; the CALERF routine of SPECFUN, which scipy's and R's normal tails also rest on): relative
    error near 1e-16 in three ranges, and exp(-x^2) split as exp(-r^2) exp(-(x - r)(x + r)) with r = x
    rounded down to 1/16 so that the large x keep their precision. Written by hand because neither
    DuckDB nor Spark has erf or erfc. -#}
{% macro erfc(x) -%}
    {%- set a = ['3.16112374387056560e00', '1.13864154151050156e02', '3.77485237685302021e02',
                 '3.20937758913846947e03', '1.85777706184603153e-1'] -%}
    {%- set b = ['2.36012909523441209e01', '2.44024637934444173e02', '1.28261652607737228e03',
                 '2.84423683343917062e03'] -%}
    {%- set c = ['5.64188496988670089e-1', '8.88314979438837594e00', '6.61191906371416295e01',
                 '2.98635138197400131e02', '8.81952221241769090e02', '1.71204761263407058e03',
                 '2.05107837782607147e03', '1.23033935479799725e03', '2.15311535474403846e-8'] -%}
    {%- set d = ['1.57449261107098347e01', '1.17693950891312499e02', '5.37181101862009858e02',
                 '1.62138957456669019e03', '3.29079923573345963e03', '4.36261909014324716e03',
                 '3.43936767414372164e03', '1.23033935480374942e03'] -%}
    {%- set p = ['3.05326634961232344e-1', '3.60344899949804439e-1', '1.25781726111229246e-1',
                 '1.60837851487422766e-2', '6.58749161529837803e-4', '1.63153871373020978e-2'] -%}
    {%- set q = ['2.56852019228982242e00', '1.87295284992346725e00', '5.27905102951428412e-1',
                 '6.05183413124413191e-2', '2.33520497626869185e-3'] -%}
    {%- set x2 = '(' ~ x ~ ' * ' ~ x ~ ')' -%}
    {%- set inv2 = '(1.0e0 / (' ~ x ~ ' * ' ~ x ~ '))' -%}
    {%- set r = '(floor(' ~ x ~ ' * 16.0e0) / 16.0e0)' -%}
    {%- set small = namespace(num=a[4] ~ ' * ' ~ x2, den=x2) -%}
    {%- for i in range(3) -%}
        {%- set small.num = '(' ~ small.num ~ ' + ' ~ a[i] ~ ') * ' ~ x2 -%}
        {%- set small.den = '(' ~ small.den ~ ' + ' ~ b[i] ~ ') * ' ~ x2 -%}
    {%- endfor -%}
    {%- set middle = namespace(num=c[8] ~ ' * ' ~ x, den=x) -%}
    {%- for i in range(7) -%}
        {%- set middle.num = '(' ~ middle.num ~ ' + ' ~ c[i] ~ ') * ' ~ x -%}
        {%- set middle.den = '(' ~ middle.den ~ ' + ' ~ d[i] ~ ') * ' ~ x -%}
    {%- endfor -%}
    {%- set large = namespace(num=p[5] ~ ' * ' ~ inv2, den=inv2) -%}
    {%- for i in range(4) -%}
        {%- set large.num = '(' ~ large.num ~ ' + ' ~ p[i] ~ ') * ' ~ inv2 -%}
        {%- set large.den = '(' ~ large.den ~ ' + ' ~ q[i] ~ ') * ' ~ inv2 -%}
    {%- endfor -%}
    case
        when {{ x }} <= 0.46875e0 then 1.0e0 - {{ x }} * ({{ small.num }} + {{ a[3] }}) / ({{ small.den }} + {{ b[3] }})
        else exp(-{{ r }} * {{ r }}) * exp(-({{ x }} - {{ r }}) * ({{ x }} + {{ r }})) * case
            when {{ x }} <= 4.0e0 then ({{ middle.num }} + {{ c[7] }}) / ({{ middle.den }} + {{ d[7] }})
            else (5.6418958354775628695e-1 - {{ inv2 }} * ({{ large.num }} + {{ p[4] }}) / ({{ large.den }} + {{ q[4] }}))
                 / {{ x }}
        end
    end
{%- endmacro %}

{#- The two-sided p-value of a standard normal z, 2(1 - Phi(|z|)) = erfc(|z| / sqrt 2), from the
    column ``normal_tail_x`` = |z| / sqrt 2 (comparison_columns). -#}
{% macro two_sided_p(x='normal_tail_x') -%}
    {{ erfc(x) }}
{%- endmacro %}

{#- Difference of two shares (1 minus 2) with Newcombe's hybrid score interval (method 10) from the
    two Wilson intervals and the pooled two-proportion z-test (metrics.md). Expects columns
    <one>_share/_low/_high/_yes/_base, the same for <two>, and the comparison_columns (`comparable`:
    neither side suppressed, pooled share strictly between 0 and 1); everything is NULL (significant
    false) otherwise. -#}
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
    case when comparable then {{ two_sided_p() }} end as p_value,
    coalesce(comparable and {{ two_sided_p() }} < 0.05, false) as significant
{%- endmacro %}

{#- z of the pooled two-proportion test. Double literals throughout: on Spark 1.0 is a decimal, and a
    decimal 1 / n keeps only 12 digits, which the tail of a p-value would show. -#}
{% macro pooled_z(one, two) -%}
    ({{ one }}_share - {{ two }}_share) / sqrt(
        (cast({{ one }}_yes + {{ two }}_yes as double) / ({{ one }}_base + {{ two }}_base))
        * (1 - cast({{ one }}_yes + {{ two }}_yes as double) / ({{ one }}_base + {{ two }}_base))
        * (1.0e0 / {{ one }}_base + 1.0e0 / {{ two }}_base))
{%- endmacro %}

{#- The columns a comparison of two sides starts from: ``comparable`` and, when it is, the argument of
    the normal tail, |z| / sqrt 2 (a product with the double nearest 1/sqrt 2, as scipy's ndtr). -#}
{% macro comparison_columns(one, two) -%}
    {{ comparable(one, two) }} as comparable,
    case when {{ comparable(one, two) }} then abs({{ pooled_z(one, two) }}) * 0.7071067811865476e0 end as normal_tail_x
{%- endmacro %}

{#- True when two sides can be compared: neither suppressed, pooled share strictly inside (0, 1). -#}
{% macro comparable(one, two) -%}
    coalesce(not {{ one }}_suppressed and not {{ two }}_suppressed
             and {{ one }}_yes + {{ two }}_yes > 0
             and {{ one }}_yes + {{ two }}_yes < {{ one }}_base + {{ two }}_base, false)
{%- endmacro %}

{#- The exact two-sided McNemar test of each row of `cells` (a CTE name with the `keys` and the
    discordant pairs `b` and `c`), metrics.md "The panel": one row per row of cells with its keys and
    mcnemar_p = min(1, 2 sum_{i=0..min(b,c)} C(b+c, i) / 2^(b+c)), 1 when b + c = 0.
    With n = b + c and k = min(b, c) the terms follow the binomial recurrence t_i = t_(i-1) (n-i+1) / i:
    ln t_k = ln C(n, k) - n ln 2 is the sum of the steps' logarithms, and each earlier term is t_k
    times exp(-the steps above it), so no term overflows or underflows before it is negligible and
    the sum keeps its relative precision. Sums are exact decimals: the same bits whatever order
    threads add them in; n ln 2 is n times ln 2 split in two (fdlibm's ln2_hi has 21 trailing zero
    bits, so its product with n is exact), which keeps the p-value's relative error near 1e-14 at
    n = 10,000 (tests/test_panel.py compares it with scipy's binomtest). Hand-written: neither DuckDB nor Spark has a binomial distribution. -#}
{% macro mcnemar_exact_p(cells, keys) -%}
{%- set by = keys | join(', ') -%}
    select {{ by }},
           case when max(n) = 0 then 1.0e0
                else least(1.0e0, 2.0e0 * exp(cast(sum(step) - {{ exact('max(n) * 6.93147180369123816490e-1') }}
                                                   - {{ exact('max(n) * 1.90821492927058770002e-10') }} as double))
                                  * cast(sum({{ exact('exp(-cast(coalesce(above, 0) as double))') }}) as double))
           end as mcnemar_p
    from (
        select terms.*,
               sum(step) over (partition by {{ by }} order by i
                               rows between 1 following and unbounded following) as above
        from (
            select counted.*,
                   {{ exact('case when i > 0 then ln(cast(n - i + 1 as double) / i) else 0.0e0 end') }} as step
            from (select {{ by }}, b + c as n, {{ zero_to('least(b, c)') }} as i from {{ cells }}) as counted
        ) as terms
    ) as summed
    group by {{ by }}
{%- endmacro %}
