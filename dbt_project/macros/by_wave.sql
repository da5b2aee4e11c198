{#- Models keyed by survey wave, built incrementally (issue 23): a refresh rebuilds only the waves
    named in SIW_DBT_REBUILD_WAVES, a JSON list the dbt asset sets to the waves whose raw set changed
    (or went) since the last build that passed every test (orchestration/dbt/waves.py). Empty, as
    orchestration.config leaves it for a `dbt build` by hand: every wave is rebuilt. The variable is
    read at execution only, so a new list costs no re-parse. Only models whose inputs are one wave's
    raw set and the project's own files qualify: a model that reads another source or spans waves
    (weights, the panel, dimensions, most of reporting) stays a table. -#}

{#- The waves to rebuild: a list, or none for every wave. -#}
{% macro rebuilt_waves() -%}
    {%- set listed = env_var('SIW_DBT_REBUILD_WAVES') if execute else '' -%}
    {{ return(none if listed == '' else fromjson(listed)) }}
{%- endmacro %}

{#- The config of a wave-keyed incremental model: on DuckDB the rebuilt waves are deleted (a
    pre-hook, in the model's transaction) and their rows appended; on Spark the table is
    partitioned by wave, the rebuilt waves' partitions dropped (a wave may have gone or lost every
    row) and the new ones written with insert_overwrite. -#}
{% macro by_wave() -%}
    {%- set hook = "{{ clear_rebuilt_waves() }}" -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'insert_overwrite',
                   'partition_by': ['wave_id'], 'pre_hook': [hook], 'tags': ['by_wave'], 'on_schema_change': 'fail'}) }}
    {%- else -%}
        {{ return({'materialized': 'incremental', 'incremental_strategy': 'append',
                   'pre_hook': [hook], 'tags': ['by_wave'], 'on_schema_change': 'fail'}) }}
    {%- endif -%}
{%- endmacro %}

{#- A condition on a wave column: true on a full build, else the column is one of the rebuilt waves. -#}
{% macro in_rebuilt_waves(column) -%}
    {#- `this` is none in a unit test, which builds from its fixtures -#}
    {%- set waves = rebuilt_waves() if this is not none and is_incremental() else none -%}
    {%- if waves is none -%}true
    {%- elif waves | length == 0 -%}false
    {%- else -%}{{ column }} in ({{ wave_literals(waves) }})
    {%- endif -%}
{%- endmacro %}

{#- Wave ids as SQL string literals (the dbt asset lets only [A-Za-z0-9_.-] through). -#}
{% macro wave_literals(waves) -%}
    {%- for wave in waves -%}'{{ wave }}'{{ ', ' if not loop.last }}{%- endfor -%}
{%- endmacro %}

{#- The pre-hook: remove what the incremental build replaces (nothing on a full build). -#}
{% macro clear_rebuilt_waves() -%}
    {{ return(adapter.dispatch('clear_rebuilt_waves')()) }}
{%- endmacro %}
{% macro default__clear_rebuilt_waves() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ in_rebuilt_waves('wave_id') }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
{% macro spark__clear_rebuilt_waves() -%}
    {%- set waves = rebuilt_waves() if is_incremental() else [] -%}
    {%- if waves is none -%}
        truncate table {{ this }}
    {%- elif waves | length > 0 -%}
        alter table {{ this }} drop if exists
        {% for wave in waves %}partition (wave_id = '{{ wave }}'){{ ', ' if not loop.last }}{% endfor %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- Generic tests on a wave-keyed model check the rebuilt waves only, where that keeps them
    complete: a rule on each row, or a grain that includes wave_id (the other waves' rows are
    unchanged and passed at the build that last changed them; a failed build does not move that
    point, so its waves are checked again). Uniqueness across waves and relationships (their
    parents may change) check every row. Overrides dbt's get_where_subquery, which applies a
    test's `where` config. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set waves = tested_waves(relation) -%}
    {%- if waves is not none -%}
        {%- set limit = ('wave_id in (' ~ wave_literals(waves) ~ ')') if waves else 'false' -%}
        {%- set where = ('(' ~ where ~ ') and ' ~ limit) if where else limit -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- The waves a test of `relation` checks: none (every row) unless the relation is wave-keyed and
    the test is complete on its rebuilt waves. Wave-keyed (tag by_wave): a model built by wave, or a
    view whose rows of a wave come from that wave's raw set and models built by wave alone (the
    answers' views). -#}
{% macro tested_waves(relation) -%}
    {%- set waves = rebuilt_waves() -%}
    {%- set kind = model.test_metadata.name if model.test_metadata is defined and model.test_metadata else none -%}
    {%- set columns = (model.test_metadata.kwargs.get('columns') or []) if kind else [] -%}
    {%- set per_row = kind in var('row_rule_tests') or kind == 'row_rules'
                      or (kind == 'unique_combination' and 'wave_id' in columns) -%}
    {%- if waves is none or not per_row -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and 'by_wave' in node.tags
                                              and node.alias == relation.identifier
                                              and node.schema == relation.schema -%}
        {{ return(waves) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}
