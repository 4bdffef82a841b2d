-- DOMAIN §3.2: the merit-order intensity is the factor of a fuel that runs (g > 0) in that region and interval;
-- for renewable_surplus it is the wind_onshore factor and wind or PV runs.
-- With var data_test_scope = 'recent' (macro data_test_scope_predicate) only the intervals an asset-triggered run
-- rebuilt.
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
    -- renewable_surplus: the wind_onshore factor of an interval in which wind or PV runs
    select
        region,
        resolution,
        interval_start_utc,
        scope,
        'renewable_surplus' as marginal_fuel,
        g_co2eq_per_kwh
    from factors
    where
        fuel = 'wind_onshore'
        and (region, resolution, interval_start_utc, scope) in (
            select
                renewable.region,
                renewable.resolution,
                renewable.interval_start_utc,
                renewable.scope
            from running_fuels as renewable
            where renewable.fuel in ('wind_onshore', 'wind_offshore', 'photovoltaics')
        )
)

select
    region,
    resolution,
    interval_start_utc,
    scope,
    marginal_fuel,
    merit_order_intensity_g_per_kwh
from grid
where not exists (
    select 1
    from possible_marginals
    where
        (
            possible_marginals.region, possible_marginals.resolution, possible_marginals.interval_start_utc,
            possible_marginals.scope, possible_marginals.marginal_fuel, possible_marginals.g_co2eq_per_kwh
        ) = (
            grid.region, grid.resolution, grid.interval_start_utc,
            grid.scope, grid.marginal_fuel, grid.merit_order_intensity_g_per_kwh
        )
)
