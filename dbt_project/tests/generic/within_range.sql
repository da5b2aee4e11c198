{#- Every non-NULL value of the column lies in [min_value, max_value] (max_value optional). -#}
{% test within_range(model, column_name, min_value, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }}
{%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}
