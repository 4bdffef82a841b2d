{#-
    The shape every generation staging model has (stg_smard__generation, stg_eia__fuel_type_data,
    stg_iso__generation_by_fuel), so intermediate/grid reads every source the same way.

    mapped_fuel_columns(fuel_map): the canonical fuel of a source code through the seed fuel_type_map (left-joined
      as `fuel_map`): a code without a row becomes fuel 'unknown' (is_unknown_fuel) and counts as generation, never
      dropped.
    generation_by_fuel_columns(interval_end_utc, source_columns): the select list of the model's final select, from
      a CTE with region, resolution, interval_start_utc, source_code, the mapped fuel columns, raw_generation_mwh and
      _loaded_at: the common columns, the generation measures (macro generation_measures), then the source's own
      columns (source_columns) and _loaded_at last.
-#}
{% macro mapped_fuel_columns(fuel_map='fuel_map') -%}
    coalesce({{ fuel_map }}.fuel, 'unknown') as fuel,
    {{ fuel_map }}.fuel is null as is_unknown_fuel,
    coalesce({{ fuel_map }}.counts_as_generation, true) as counts_as_generation
{%- endmacro %}

{% macro generation_by_fuel_columns(interval_end_utc, source_columns=[]) -%}
    region,
    resolution,
    interval_start_utc,
    {{ interval_end_utc }} as interval_end_utc,
    source_code,
    fuel,
    is_unknown_fuel,
    counts_as_generation,
    raw_generation_mwh,
    {{ generation_measures() }},
    {%- for column in source_columns %}
    {{ column }},
    {%- endfor %}
    _loaded_at
{%- endmacro %}
