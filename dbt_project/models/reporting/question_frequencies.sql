-- Frequencies of every closed variable (metrics.md, "Generic outputs"): per wave x segment x
-- variable x labelled value, over the analysis base with a non-blank answer; every labelled value
-- has a row (n may be 0), an unlabelled variable one per value that occurs. The tool's system
-- variables and every identifying or free-text variable have none. Suppression below the limit.
-- Built by wave (macros/by_wave.sql): a wave's rows come from its own answers, questions and labels.
{{ config(**by_wave()) }}
with closed as (
    select wave_id, variable, question
    from {{ ref('dim_question') }}
    where kind = 'coded' and not is_system and not is_identifying and {{ in_rebuilt_waves('wave_id') }}
),

-- Each respondent segment's answers are counted first and the segments' cells ('alle' and its
-- own) summed from those counts: joining every answer to its segments before counting doubles the
-- largest table's rows, on a condition no hash join can take (BENCHMARKS.md).
answers as (
    select a.wave_id, a.segment, a.variable, cast(a.export_code as string) as value, count(*) as n
    from {{ ref('fct_answer') }} as a
    inner join closed as c
        on a.wave_id = c.wave_id and a.variable = c.variable
    -- said again on the answers: only a constant filter prunes the other waves' raw files
    where {{ in_rebuilt_waves('a.wave_id') }}
    group by a.wave_id, a.segment, a.variable, cast(a.export_code as string)
),

labelled as (
    select c.wave_id, c.variable, cast(l.value_code as string) as value, l.label_da as value_label
    from closed as c
    inner join {{ ref('dim_value_label') }} as l
        on c.wave_id = l.wave_id and c.variable = l.variable
),

unlabelled as (
    select distinct a.wave_id, a.variable, a.value, cast(null as string) as value_label
    from answers as a
    left join (select distinct wave_id, variable from labelled) as l
        on a.wave_id = l.wave_id and a.variable = l.variable
    where l.variable is null
),

grid as (
    select s.wave_id, s.segment, v.variable, v.value, v.value_label
    from {{ ref('dim_wave_segment') }} as s
    inner join (select * from labelled union all select * from unlabelled) as v
        on s.wave_id = v.wave_id
),

counted as (
    select a.wave_id, s.segment, a.variable, a.value, cast(sum(a.n) as bigint) as n
    from answers as a
    {{ in_segments('a') }}
    group by a.wave_id, s.segment, a.variable, a.value
),

{{ suppressed_cells('bases', 'select wave_id, segment, variable, cast(sum(n) as bigint) as n_base from counted group by wave_id, segment, variable', ['wave_id', 'variable']) }},

filled as (
    select g.wave_id, g.segment, c.question, g.variable, g.value, g.value_label,
           cast(coalesce(n.n, 0) as integer) as n,
           cast(coalesce(b.n_base, 0) as integer) as n_base,
           coalesce(b.suppressed, true) as suppressed,
           coalesce(b.secondary_suppressed, false) as secondary_suppressed
    from grid as g
    inner join closed as c
        on g.wave_id = c.wave_id and g.variable = c.variable
    left join counted as n
        on g.wave_id = n.wave_id and g.segment = n.segment and g.variable = n.variable and g.value = n.value
    left join bases as b
        on g.wave_id = b.wave_id and g.segment = b.segment and g.variable = b.variable
)

select
    cast(wave_id as string) as wave_id,
    cast(segment as string) as segment,
    cast(question as string) as question,
    cast(variable as string) as variable,
    cast(value as string) as value,
    cast(value_label as string) as value_label,
    {{ unless_suppressed('n') }} as n,
    n_base,
    {{ unless_suppressed('cast(n as double) / n_base') }} as share,
    {{ unless_suppressed(wilson_low('n', 'n_base')) }} as ci_low,
    {{ unless_suppressed(wilson_high('n', 'n_base')) }} as ci_high,
    suppressed,
    secondary_suppressed
from filled
