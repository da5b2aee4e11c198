{#- The grain test: no two rows share the combination of `columns` (dbt packages cannot be installed here).
    `slice_by`, a non-negative whole-number column among `columns`, splits the check into four
    aggregates over disjoint slices of the rows (a repeated combination falls in one slice): the
    answers' grains hold a hundred million combinations at 2.3 million invited, and DuckDB's one
    aggregate of them ran out of its memory bound about half of the time (BENCHMARKS.md). -#}
{% test unique_combination(model, columns, slice_by=none) %}
{%- set slices = [none] if slice_by is none else range(4) -%}
{%- for slice in slices %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
{%- if slice is not none %}
where {{ slice_by }} % 4 = {{ slice }}
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
