-- When the generation data of each region and interval was last loaded: the newest _loaded_at of the staging rows
-- an interval of int_generation_by_fuel_quarter_hourly / int_generation_by_fuel_hourly is built from, per source
-- system (an hour of SMARD takes its native hourly rows and its quarter-hours alike, an ISO hour its sub-hourly
-- rows). It is what the carbon API serves as updatedAt (marts.fct_grid_generation_by_fuel.source_loaded_at).
with smard_quarter_hours as (
    select
        'smard' as source_system,
        region,
        'PT15M' as resolution,
        interval_start_utc,
        max(_loaded_at) as source_loaded_at
    from {{ ref('stg_smard__generation') }}
    where resolution = 'PT15M' and counts_as_generation
    group by region, interval_start_utc
),

smard_hours as (
    select
        'smard' as source_system,
        region,
        'PT1H' as resolution,
        {{ utc_hour_start('interval_start_utc') }} as interval_start_utc,
        max(_loaded_at) as source_loaded_at
    from {{ ref('stg_smard__generation') }}
    where counts_as_generation
    group by region, {{ utc_hour_start('interval_start_utc') }}
),

eia_hours as (
    select
        'eia' as source_system,
        region,
        'PT1H' as resolution,
        interval_start_utc,
        max(_loaded_at) as source_loaded_at
    from {{ ref('stg_eia__fuel_type_data') }}
    where counts_as_generation
    group by region, interval_start_utc
),

iso_hours as (
    select
        'iso' as source_system,
        region,
        'PT1H' as resolution,
        {{ utc_hour_start('interval_start_utc') }} as interval_start_utc,
        max(_loaded_at) as source_loaded_at
    from {{ ref('stg_iso__generation_by_fuel') }}
    where counts_as_generation
    group by region, {{ utc_hour_start('interval_start_utc') }}
)

select * from smard_quarter_hours
union all
select * from smard_hours
union all
select * from eia_hours
union all
select * from iso_hours
