{#
    Override of dbt-postgres' postgres__get_columns_in_relation (root-project macros win the dispatch):
    identical, except that array columns report their element type ('text[]') instead of information_schema's
    bare 'ARRAY'. With 'ARRAY', dbt unit-test fixtures for text[] columns (flags, factor_ids) render
    `cast('{...}' as ARRAY)` and fail, and on_schema_change='append_new_columns' could not add an array column.
#}
{% macro postgres__get_columns_in_relation(relation) -%}
  {% call statement('get_columns_in_relation', fetch_result=True) %}
      select
          column_name,
          case
              when data_type = 'ARRAY' then substring(udt_name from 2) || '[]'
              else data_type
          end as data_type,
          character_maximum_length,
          numeric_precision,
          numeric_scale

      from {{ relation.information_schema('columns') }}
      where table_name = '{{ relation.identifier }}'
        {% if relation.schema %}
        and table_schema = '{{ relation.schema }}'
        {% endif %}
      order by ordinal_position

  {% endcall %}
  {% set table = load_result('get_columns_in_relation').table %}
  {{ return(sql_convert_columns_in_relation(table)) }}
{%- endmacro %}
