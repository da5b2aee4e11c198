{#- Where a raw parquet set lives: the engine-neutral raw layer under $SIW_DATA_DIR/raw. -#}
{% macro raw_location(path) -%}
    {{ env_var('SIW_DATA_DIR') }}/raw/{{ path }}
{%- endmacro %}
