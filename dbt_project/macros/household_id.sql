{#
    Pseudonymous household id: md5 of a deployment salt (var household_id_salt) and the Tibber home id.
    The Tibber id itself never reaches intermediate models or marts.
#}
{% macro household_id(tibber_home_id_column) -%}
    md5({{ "'" ~ var('household_id_salt') ~ "'" }} || ':' || {{ tibber_home_id_column }})
{%- endmacro %}
