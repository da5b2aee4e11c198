-- No mart or reporting column carries a name, e-mail, phone or free text (by column name).
{{ config(meta={'dagster': {'ref': {'name': 'fct_survey_response'}}}) }}
-- depends_on: {{ ref('fct_survey_response') }} {{ ref('headline_metrics') }}
select table_schema, table_name, column_name
from information_schema.columns
where table_schema in ('marts', 'reporting')
    and (lower(column_name) like '%email%' or lower(column_name) like '%phone%' or lower(column_name) like '%telefon%'
        or lower(column_name) like '%_open' or lower(column_name) in ('org_name', 'navn', 'summary', 'contact'))
