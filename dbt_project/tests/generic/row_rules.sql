{#- Every row rule of one model (its not_null, accepted_values and within_range tests, the dbt var
    row_rule_tests) in one query, one scan: a dbt test costs about 15 ms of dbt's single busy core
    whatever its query, and a model's rules are mostly a few milliseconds of query each (issue 23,
    BENCHMARKS.md). It fails when any rule fails, so a failure still stops what is downstream; the
    dbt asset then runs the failing model's rules as their own tests, so each rule passes or fails
    its own check (orchestration/dbt/row_rules.py). A row of the result: each rule's failing rows. -#}
{% test row_rules(model) %}
{%- set rules = row_rules_of_this_test() %}
select * from (
    select
    {%- for rule in rules %}
        count(case when ({{ row_rule_violation(rule) }}) then 1 end) as failing_{{ loop.index }}{{ ',' if not loop.last }}  -- {{ rule.name }}
    {%- endfor %}
    from {{ model }}
) counts
where {% for rule in rules %}failing_{{ loop.index }} > 0{{ ' or ' if not loop.last }}{% endfor %}
{% endtest %}
