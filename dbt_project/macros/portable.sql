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
