{#- The few expressions whose spelling differs between engines, dispatched per adapter. -#}

{#- A date plus a whole number of days. -#}
{% macro add_days(date_expression, days) -%}
    {{ return(adapter.dispatch('add_days')(date_expression, days)) }}
{%- endmacro %}
{% macro default__add_days(date_expression, days) -%}
    cast({{ date_expression }} + cast({{ days }} as integer) as date)
{%- endmacro %}
{% macro spark__add_days(date_expression, days) -%}
    date_add({{ date_expression }}, {{ days }})
{%- endmacro %}

{#- ISO weekday, 1 = Monday ... 7 = Sunday. -#}
{% macro iso_weekday(date_expression) -%}
    {{ return(adapter.dispatch('iso_weekday')(date_expression)) }}
{%- endmacro %}
{% macro default__iso_weekday(date_expression) -%}
    isodow({{ date_expression }})
{%- endmacro %}
{% macro spark__iso_weekday(date_expression) -%}
    (dayofweek({{ date_expression }}) + 5) % 7 + 1
{%- endmacro %}

{#- The date key yyyymmdd of a date or instant (NULL stays NULL). -#}
{% macro date_key(expression) -%}
    cast(year({{ expression }}) * 10000 + month({{ expression }}) * 100 + dayofmonth({{ expression }}) as integer)
{%- endmacro %}

{#- Whole days from one date to a later one. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between')(start_date, end_date)) }}
{%- endmacro %}
{% macro default__days_between(start_date, end_date) -%}
    date_diff('day', {{ start_date }}, {{ end_date }})
{%- endmacro %}
{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{#- The raw layer as sources. DuckDB reads each source's parquet files through the source's
    external_location (dbt-duckdb); Spark gets a view per source table over the same files, made
    before every run (on-run-start), so both engines read one engine-neutral raw layer. -#}
{% macro create_raw_sources() -%}
    {{ return(adapter.dispatch('create_raw_sources')()) }}
{%- endmacro %}
{% macro default__create_raw_sources() -%}
    select 1
{%- endmacro %}
{% macro spark__create_raw_sources() -%}
    {%- if execute -%}
    {%- set sources = graph.sources.values() | selectattr('meta.raw_dir', 'defined') | list -%}
    {%- for schema in sources | map(attribute='schema') | unique -%}
        {%- do run_query('create database if not exists ' ~ schema) -%}
    {%- endfor -%}
    {%- for node in sources -%}
        {%- do run_query('create or replace view ' ~ node.schema ~ '.' ~ node.identifier
                         ~ ' as select * from parquet.`' ~ env_var('SIW_DATA_DIR') ~ '/raw/' ~ node.meta.raw_dir
                         ~ '/' ~ node.identifier ~ '.parquet`') -%}
    {%- endfor -%}
    {%- endif %}
    select 1
{%- endmacro %}

{#- A Python value as a Spark SQL literal: NULL, a number, or a string with backslash escapes
    (Spark reads '' inside a literal as two adjacent literals, so an apostrophe needs \'). -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}null
    {%- elif value is sameas true or value is sameas false -%}{{ 'true' if value else 'false' }}
    {%- elif value is number -%}{{ value }}
    {%- else -%}'{{ (value | string).replace('\\', '\\\\').replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{#- Seeds on Spark. dbt-spark's session method substitutes the bindings with Python's % operator,
    so an empty cell arrives as the string 'None' and an apostrophe ends the literal (an open
    upstream bug); the rows are written as literals instead. Guarded by the seed_traps seed and
    its singular test. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    cast({{ spark_literal(row[loop.index0]) }} as
                         {{ column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}){%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{%- endmacro %}

{#- True when the whole string matches a regular expression (both engines use Unicode-aware
    regexes: RE2 in DuckDB, Java's in Spark; write patterns in their common subset). -#}
{% macro matches_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern')(expression, pattern)) }}
{%- endmacro %}
{% macro default__matches_pattern(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro spark__matches_pattern(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#- A select-list expression that repeats its row once for each whole number 0, 1, ..., n (n >= 0). -#}
{% macro zero_to(n) -%}
    {{ return(adapter.dispatch('zero_to')(n)) }}
{%- endmacro %}
{% macro default__zero_to(n) -%}
    unnest(generate_series(0, {{ n }}))
{%- endmacro %}
{% macro spark__zero_to(n) -%}
    explode(sequence(0, {{ n }}))
{%- endmacro %}
