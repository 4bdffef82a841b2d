{#
    Passes when `expression` holds for every row (optionally only rows matching `where_clause`).
    Written here because dbt packages (dbt_utils) are not available offline.
#}
{% test expression_is_true(model, expression, column_name=none, where_clause=none) %}

select *
from {{ model }}
where not ({{ expression }})
{%- if where_clause %}
    and ({{ where_clause }})
{%- endif %}

{% endtest %}
