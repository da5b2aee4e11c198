{#- The row rules folded into one query per model (tests/generic/row_rules.sql). -#}

{#- The tests the row_rules test calling this folds: the row-rule tests of the node it is attached
    to (`model` here is the test node being compiled). A folded test keeps dbt's defaults (an
    error on any failing row, every row): a config the folded query cannot honour is refused. -#}
{% macro row_rules_of_this_test() -%}
    {%- set rules = [] -%}
    {%- if not execute -%}{{ return(rules) }}{%- endif -%}  {#- the graph is there once dbt executes -#}
    {%- for node in graph.nodes.values() | sort(attribute='name')
            if node.resource_type == 'test' and node.attached_node == model.attached_node
               and node.test_metadata and node.test_metadata.name in var('row_rule_tests') -%}
        {%- set config = node.config -%}
        {%- if config.where or config.limit or config.severity | lower != 'error' or config.fail_calc != 'count(*)'
               or config.error_if != '!= 0' -%}
            {{ exceptions.raise_compiler_error(node.name ~ ": a row-rule test with a where, limit, severity or threshold "
                                               ~ "of its own cannot be folded into row_rules (macros/row_rules.sql)") }}
        {%- endif -%}
        {%- do rules.append(node) -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error(model.name ~ ": row_rules on a node without a row-rule test") }}
    {%- endif -%}
    {{ return(rules) }}
{%- endmacro %}

{#- The condition that a row breaks the rule `test` (a test node). Each kind's condition is written
    once, below, and its own test uses the same one: dbt's not_null and accepted_values through the
    overrides at the end of this file, tests/generic/within_range.sql through out_of_range. -#}
{% macro row_rule_violation(test) -%}
    {%- set kind, args = test.test_metadata.name, test.test_metadata.kwargs -%}
    {%- if kind == 'not_null' -%}
        {{ null_value(args.column_name) }}
    {%- elif kind == 'accepted_values' -%}
        {{ value_not_accepted(args.column_name, args['values'], args.get('quote', true)) }}
    {%- elif kind == 'within_range' -%}
        {{ out_of_range(args.column_name, args.min_value, args.get('max_value')) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(test.name ~ ": no row rule for a " ~ kind ~ " test") }}
    {%- endif -%}
{%- endmacro %}

{#- A NULL value (not_null). -#}
{% macro null_value(column_name) -%}
    {{ column_name }} is null
{%- endmacro %}

{#- A value not in `values` (accepted_values; values quoted unless quote is false). NULL is not
    outside: `NULL not in (...)` is NULL, as in dbt's own test. -#}
{% macro value_not_accepted(column_name, values, quote=true) -%}
    {{ column_name }} not in (
    {%- for value in values -%}
        {%- if quote -%}'{{ value }}'{%- else -%}{{ value }}{%- endif -%}{{ ', ' if not loop.last }}
    {%- endfor -%})
{%- endmacro %}

{#- A value outside [min_value, max_value] (max_value none: no upper bound); NULL is not outside. -#}
{% macro out_of_range(column_name, min_value, max_value=none) -%}
    {{ column_name }} < {{ min_value }}{% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
{%- endmacro %}

{#- dbt's own not_null and accepted_values tests (dbt-core's generic_test_sql), the same queries
    with the conditions above, so a rule run as its own test and folded into row_rules cannot
    disagree. The root project's default__ macros take precedence over dbt's in dispatch. -#}
{% macro default__test_not_null(model, column_name) %}
select {{ '*' if should_store_failures() else column_name }}
from {{ model }}
where {{ null_value(column_name) }}
{% endmacro %}

{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
with all_values as (
    select {{ column_name }} as value_field, count(*) as n_records
    from {{ model }}
    group by {{ column_name }}
)
select *
from all_values
where {{ value_not_accepted('value_field', values, quote) }}
{% endmacro %}
