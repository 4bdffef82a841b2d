-- DOMAIN §3.2: the merit-order intensity is the factor of a fuel that runs (g > 0) in that region and interval;
-- for renewable_surplus it is the wind_onshore factor and wind or PV runs.
-- With var data_test_scope = 'recent' (macro data_test_since) only the intervals an asset-triggered run rebuilt.
{%- set in_scope = data_test_scope_predicate(ref('fct_grid_carbon_intensity')) %}
with grid as (
    select * from {{ ref('fct_grid_carbon_intensity') }}
    where marginal_fuel is not null and {{ in_scope }}
),

generation as (
    select
        region,
        resolution,
        interval_start_utc,
        fuel,
        generation_mwh
    from {{ ref('int_generation_by_fuel_quarter_hourly') }}
    where {{ in_scope }}
    union all
    select
        region,
        resolution,
        interval_start_utc,
        fuel,
        generation_mwh
    from {{ ref('int_generation_by_fuel_hourly') }}
    where {{ in_scope }}
),

factors as (
    select * from {{ ref('int_emission_factors_effective') }}
    where {{ in_scope }}
),

running_fuels as (
    select
        generation.region,
        generation.resolution,
        generation.interval_start_utc,
        factors.scope,
        generation.fuel,
        factors.g_co2eq_per_kwh
    from generation
    inner join factors
        on
            generation.region = factors.region
            and generation.resolution = factors.resolution
            and generation.interval_start_utc = factors.interval_start_utc
            and generation.fuel = factors.fuel
    where generation.generation_mwh > 0
),

possible_marginals as (
    select
        region,
        resolution,
        interval_start_utc,
        scope,
        fuel as marginal_fuel,
        g_co2eq_per_kwh
    from running_fuels
    union
    select
        running_fuels.region,
        running_fuels.resolution,
        running_fuels.interval_start_utc,
        running_fuels.scope,
        'renewable_surplus' as marginal_fuel,
        wind_onshore.g_co2eq_per_kwh
    from running_fuels
    inner join factors as wind_onshore
        on
            running_fuels.region = wind_onshore.region
            and running_fuels.resolution = wind_onshore.resolution
            and running_fuels.interval_start_utc = wind_onshore.interval_start_utc
            and running_fuels.scope = wind_onshore.scope
            and wind_onshore.fuel = 'wind_onshore'
    where running_fuels.fuel in ('wind_onshore', 'wind_offshore', 'photovoltaics')
)

select
    grid.region,
    grid.resolution,
    grid.interval_start_utc,
    grid.scope,
    grid.marginal_fuel,
    grid.merit_order_intensity_g_per_kwh
from grid
left join possible_marginals
    on
        grid.region = possible_marginals.region
        and grid.resolution = possible_marginals.resolution
        and grid.interval_start_utc = possible_marginals.interval_start_utc
        and grid.scope = possible_marginals.scope
        and grid.marginal_fuel = possible_marginals.marginal_fuel
        and grid.merit_order_intensity_g_per_kwh = possible_marginals.g_co2eq_per_kwh
where possible_marginals.region is null
