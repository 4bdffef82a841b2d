-- Issue 14, flags survive re-graining (DOMAIN §4.8, §4.10): every flag and every non-OK status of a quarter-hour
-- appears among the flags of the hour built from it, for Models 1-3 (int_grid_intensity) and Model 4
-- (int_locality_intensity). Returns the hours that lost a flag.
with grid_quarter_hours as (
    select
        'grid' as model_family,
        region,
        scope,
        {{ utc_hour_start('interval_start_utc') }} as hour_start_utc,
        quarter_hour_flag
    from {{ ref('int_grid_intensity') }}
    cross join
        lateral unnest(
            flags || array_remove(array[case when status <> 'OK' then status end]::text[], null)
        ) as quarter_hour_flags (quarter_hour_flag)
    where resolution = 'PT15M'
),

locality_quarter_hours as (
    select
        'locality' as model_family,
        control_area as region,
        scope,
        {{ utc_hour_start('interval_start_utc') }} as hour_start_utc,
        quarter_hour_flag
    from {{ ref('int_locality_intensity') }}
    cross join
        lateral unnest(
            flags || array_remove(array[case when status <> 'OK' then status end]::text[], null)
        ) as quarter_hour_flags (quarter_hour_flag)
    where resolution = 'PT15M'
),

hours as (
    select
        'grid' as model_family,
        region,
        scope,
        interval_start_utc,
        flags
    from {{ ref('int_grid_intensity') }}
    where resolution = 'PT1H'
    union all
    select
        'locality' as model_family,
        control_area as region,
        scope,
        interval_start_utc,
        flags
    from {{ ref('int_locality_intensity') }}
    where resolution = 'PT1H'
),

quarter_hour_flags as (
    select * from grid_quarter_hours
    union all
    select * from locality_quarter_hours
)

select
    hours.model_family,
    hours.region,
    hours.scope,
    hours.interval_start_utc,
    hours.flags,
    quarter_hour_flags.quarter_hour_flag as lost_flag
from hours
inner join quarter_hour_flags
    on
        hours.model_family = quarter_hour_flags.model_family
        and hours.region = quarter_hour_flags.region
        and hours.scope = quarter_hour_flags.scope
        and hours.interval_start_utc = quarter_hour_flags.hour_start_utc
where not quarter_hour_flags.quarter_hour_flag = any(hours.flags)
