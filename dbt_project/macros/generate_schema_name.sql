{#
    Use a model's custom schema (+schema in dbt_project.yml) as-is, not prefixed with the target schema:
    staging, intermediate, marts, seeds, snapshots. Without a custom schema: the target schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
