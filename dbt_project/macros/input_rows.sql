{#
    The input rows an incremental model re-processes (macros/attribution/incremental_replace.sql): the rows of
    `relation` from replace_from on, as a select of `columns`. On a full build replace_from is
    timestamptz '-infinity', so every row.
#}
{% macro input_rows(relation, replace_from, columns=['*']) -%}
    select {{ columns | join(', ') }}
    from {{ relation }}
    where interval_start_utc >= {{ replace_from }}
{%- endmacro %}

{#
    The generation rows of both grains, int_generation_by_fuel_quarter_hourly (PT15M) and
    int_generation_by_fuel_hourly (PT1H), that int_grid_intensity and int_emission_factors_effective re-process.
#}
{% macro generation_by_fuel_rows(replace_from, columns=['*']) -%}
    {{ input_rows(ref('int_generation_by_fuel_quarter_hourly'), replace_from, columns) }}
    union all
    {{ input_rows(ref('int_generation_by_fuel_hourly'), replace_from, columns) }}
{%- endmacro %}
