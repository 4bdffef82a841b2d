{{ window_replace_config(
    ['region', 'resolution', 'interval_start_utc', 'fuel'], post_hook="{{ analyze_if_never_analyzed() }}",
) }}
-- Generation per region, interval (PT15M and PT1H), and fuel, with the electricityMaps power-breakdown key of the
-- fuel (docs block electricitymaps_fuel_keys), mean power over the interval and the interval's generation status.
-- What the carbon API serves as /v3/power-breakdown. Incremental (macros/attribution/incremental_replace.sql):
-- each run replaces everything from the hour var('incremental_lookback_days') days before the current maximum, or
-- from the earliest hour with newly loaded generation (or a newly computed interval status) if earlier.
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_generation_by_fuel_quarter_hourly')},
    {'relation': ref('int_generation_by_fuel_hourly')},
    {'relation': ref('int_grid_intensity')},
]) %}
{{ replace_from_marker(replace_from) }}
with generation as (
    select * from {{ ref('int_generation_by_fuel_quarter_hourly') }}
    where interval_start_utc >= {{ replace_from }}
    union all
    select * from {{ ref('int_generation_by_fuel_hourly') }}
    where interval_start_utc >= {{ replace_from }}
),

electricitymaps_keys (fuel, electricitymaps_key) as (
    values
    ('lignite', 'coal'),
    ('hard_coal', 'coal'),
    ('coal', 'coal'),
    ('natural_gas', 'gas'),
    ('oil', 'oil'),
    ('nuclear', 'nuclear'),
    ('hydro', 'hydro'),
    ('pumped_storage', 'hydro discharge'),
    ('battery_storage', 'battery discharge'),
    ('wind_onshore', 'wind'),
    ('wind_offshore', 'wind'),
    ('wind', 'wind'),
    ('photovoltaics', 'solar'),
    ('geothermal', 'geothermal'),
    ('biomass', 'biomass'),
    ('other_renewables', 'unknown'),
    ('other_conventional', 'unknown'),
    ('unknown', 'unknown')
),

fuels as (
    select
        fuel,
        is_renewable,
        -- fossil-free = known not to be fossil: the unmapped `unknown` counts as not fossil-free
        not is_fossil and fuel <> 'unknown' as is_fossil_free
    from {{ ref('canonical_fuels') }}
),

-- the interval's generation status (scope-independent: NO_FACTOR concerns emission factors, not generation)
interval_status as (
    select
        region,
        resolution,
        interval_start_utc,
        case when status = 'NO_FACTOR' then 'OK' else status end as generation_status
    from {{ ref('int_grid_intensity') }}
    where scope = 'direct' and interval_start_utc >= {{ replace_from }}
)

select
    generation.region,
    generation.interval_start_utc,
    generation.interval_end_utc,
    generation.resolution,
    generation.source_system,
    generation.fuel,
    electricitymaps_keys.electricitymaps_key,
    fuels.is_renewable,
    fuels.is_fossil_free,
    generation.generation_mwh,
    trim_scale(
        generation.generation_mwh
        / (extract(epoch from generation.interval_end_utc - generation.interval_start_utc) / 3600)
    ) as power_mw,
    generation.raw_generation_mwh,
    case when generation.is_published then 'OK' else 'NOT_PUBLISHED' end as status,
    coalesce(interval_status.generation_status, 'NO_GENERATION_DATA') as generation_status,
    generation.is_negative_clamped,
    generation.is_unknown_fuel,
    generation.source_loaded_at
from generation
left join electricitymaps_keys
    on generation.fuel = electricitymaps_keys.fuel
left join fuels
    on generation.fuel = fuels.fuel
left join interval_status
    on
        generation.region = interval_status.region
        and generation.resolution = interval_status.resolution
        and generation.interval_start_utc = interval_status.interval_start_utc
