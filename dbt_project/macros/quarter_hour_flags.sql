{#
    Flags survive re-graining (DOMAIN §4.8, §4.10: statuses are flags as well). For a relation (a ref or a CTE) with
    resolution, interval_start_utc, scope, flags and status columns, keyed by key_column (region, control_area):

    quarter_hour_flag_rows: one row per quarter-hour flag, i.e. each flag of a PT15M row and each of its
      status_columns that is not OK, with the UTC hour the quarter-hour belongs to (hour_start_utc);
    quarter_hour_flags_by_hour: those flags as one sorted, de-duplicated array per (key, scope, UTC hour), which
      the hourly row of int_grid_intensity and int_locality_intensity adds to its own flags.

    The generic test hourly_rows_keep_quarter_hour_flags (tests/generic) checks the hourly rows against the same rows.
#}
{% macro quarter_hour_flag_rows(relation, key_column, status_columns=['status']) -%}
    select
        quarter_hours.{{ key_column }},
        quarter_hours.scope,
        {{ utc_hour_start('quarter_hours.interval_start_utc') }} as hour_start_utc,
        quarter_hour_flags.quarter_hour_flag
    from {{ relation }} as quarter_hours
    cross join
        lateral unnest(
            quarter_hours.flags
            || array_remove(array[
                {%- for column in status_columns %}
                case when quarter_hours.{{ column }} <> 'OK' then quarter_hours.{{ column }} end
                {{- "," if not loop.last }}
                {%- endfor %}
            ]::text[], null)
        ) as quarter_hour_flags (quarter_hour_flag)
    where quarter_hours.resolution = 'PT15M'
{%- endmacro %}

{% macro quarter_hour_flags_by_hour(relation, key_column, status_columns=['status']) -%}
    select
        {{ key_column }},
        scope,
        hour_start_utc as interval_start_utc,
        array_agg(distinct quarter_hour_flag order by quarter_hour_flag) as flags
    from ({{ quarter_hour_flag_rows(relation, key_column, status_columns) }}) as quarter_hour_flag_rows
    group by {{ key_column }}, scope, hour_start_utc
{%- endmacro %}

{#
    The final select of a model with both grains: every column of `relation` (columns, in order), where the flags of
    an hourly row also hold every flag and non-OK status of its quarter-hours (quarter_hour_flags_by_hour).
#}
{% macro select_with_quarter_hour_flags(relation, key_column, columns, status_columns=['status']) -%}
    select
        {%- for column in columns %}
        {%- if column == 'flags' %}
        {{ flag_union([relation ~ '.flags', 'quarter_hour_flags_by_hour.flags']) }} as flags
        {%- else %}
        {{ relation }}.{{ column }}
        {%- endif %}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    left join ({{ quarter_hour_flags_by_hour(relation, key_column, status_columns) }}) as quarter_hour_flags_by_hour
        on
            {{ relation }}.resolution = 'PT1H'
            and {{ relation }}.{{ key_column }} = quarter_hour_flags_by_hour.{{ key_column }}
            and {{ relation }}.scope = quarter_hour_flags_by_hour.scope
            and {{ relation }}.interval_start_utc = quarter_hour_flags_by_hour.interval_start_utc
{%- endmacro %}
