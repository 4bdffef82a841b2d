-- Redispatch measures mapped to a control area and a canonical fuel, DOMAIN §8.3 steps 2-4.
--   fuel: the affected plant's fuel from int_redispatch_plants_matched (reviewed seed, plant list by exact or
--         normalised name); else the class fallback Konventionell -> unknown, Erneuerbar -> wind_onshore (flag
--         REDISPATCH_FUEL_FALLBACK); market or foreign exchanges (the seed's category market, e.g. "Börse"; without
--         a plant match also the class fallback: a name starting with Börse, class Sonstiges or empty) have no fuel
--         and are excluded from the area balances.
--   test runs (Probestart, Testfahrt, Funktionstest, Probeabruf) are excluded unless
--   var('redispatch_include_test_runs') is true.
with measures as (
    select
        measure_id,
        start_utc,
        end_utc,
        direction,
        total_mwh,
        control_area,
        affected_plant,
        primary_energy_class,
        reason,
        is_test_run,
        _loaded_at as source_loaded_at
    from {{ ref('stg_netztransparenz__redispatch_measures') }}
),

plants as (
    select
        affected_plant,
        plant_key,
        plant_category,
        fuel,
        fuel_source
    from {{ ref('int_redispatch_plants_matched') }}
)

select
    measures.*,
    plants.plant_key,
    plants.plant_category,
    fuel_mapping.fuel,
    fuel_mapping.fuel_source,
    plants.fuel is null as is_fuel_fallback,
    market.is_market_or_foreign,
    not market.is_market_or_foreign
    and (not measures.is_test_run or {{ var('redispatch_include_test_runs', false) }}) as is_included_in_area_balance
from measures
left join plants on measures.affected_plant = plants.affected_plant
cross join
    lateral (
        values (
            coalesce(plants.plant_category = 'market', false)
            or plants.fuel is null and (
                coalesce(trim(measures.affected_plant), '') ilike 'börse%'
                or coalesce(trim(measures.primary_energy_class), '') in ('', 'Sonstiges')
            )
        )
    ) as market (is_market_or_foreign)
cross join
    lateral (
        values (
            case
                when market.is_market_or_foreign then null
                when plants.fuel is not null then plants.fuel
                when measures.primary_energy_class = 'Konventionell' then 'unknown'
                when measures.primary_energy_class = 'Erneuerbar' then 'wind_onshore'
            end,
            case
                when market.is_market_or_foreign then null
                when plants.fuel is not null then plants.fuel_source
                when measures.primary_energy_class in ('Konventionell', 'Erneuerbar') then 'class_fallback'
            end
        )
    ) as fuel_mapping (fuel, fuel_source)
