{#
    Issue 14, flags survive re-graining (DOMAIN §4.8, §4.10): every flag and every non-OK status (status_columns) of
    a quarter-hour appears among the flags of the hour built from it. Returns the hours that lost a flag.
    Applied to int_grid_intensity (key region) and int_locality_intensity (key control_area).
#}
{% test hourly_rows_keep_quarter_hour_flags(model, key_column, status_columns=['status']) %}

with tested as (
    -- `model` may be a filtered subquery (the 'recent' scope, a `where` config), so it is named once here
    select * from {{ model }}
),

quarter_hour_flags as (
    {{ quarter_hour_flag_rows('tested', key_column, status_columns) }}
),

hours as (
    select
        {{ key_column }},
        scope,
        interval_start_utc,
        flags
    from tested
    where resolution = 'PT1H'
)

select
    hours.{{ key_column }},
    hours.scope,
    hours.interval_start_utc,
    hours.flags,
    quarter_hour_flags.quarter_hour_flag as lost_flag
from hours
inner join quarter_hour_flags
    on
        hours.{{ key_column }} = quarter_hour_flags.{{ key_column }}
        and hours.scope = quarter_hour_flags.scope
        and hours.interval_start_utc = quarter_hour_flags.hour_start_utc
where not quarter_hour_flags.quarter_hour_flag = any(hours.flags)

{% endtest %}
