{#- Every non-NULL value of the column lies in [min_value, max_value] (max_value optional). -#}
{% test within_range(model, column_name, min_value, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ out_of_range(column_name, min_value, max_value) }}
{% endtest %}
