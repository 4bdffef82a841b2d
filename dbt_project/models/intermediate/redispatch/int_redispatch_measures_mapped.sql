-- Redispatch measures mapped to a control area and a canonical fuel, DOMAIN §8.3 steps 2-4.
--   fuel: affected plant -> power plant list (name, or name + block, one fuel only) -> canonical fuel; else the class
--         fallback Konventionell -> unknown, Erneuerbar -> wind_onshore (flag REDISPATCH_FUEL_FALLBACK);
--         Sonstiges / empty class / "Börse" are market or foreign exchanges: excluded from the area balances.
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
        is_test_run
    from {{ ref('stg_netztransparenz__redispatch_measures') }}
),

plants as (
    select
        lower(trim(name)) as plant_name,
        lower(trim(concat_ws(' ', name, block))) as plant_block_name,
        fuel
    from {{ ref('stg_reference__power_plants') }}
    where not is_unknown_fuel
),

plant_names as (
    select
        plant_name as match_name,
        fuel
    from plants
    union
    select
        plant_block_name as match_name,
        fuel
    from plants
),

unambiguous_plant_names as (
    select
        match_name,
        min(fuel) as fuel
    from plant_names
    group by match_name
    having count(distinct fuel) = 1
),

mapped as (
    select
        measures.*,
        plant_match.fuel as plant_fuel,
        coalesce(trim(measures.affected_plant), '') ilike 'börse%'
        or coalesce(trim(measures.primary_energy_class), '') in ('', 'Sonstiges') as is_market_or_foreign
    from measures
    left join unambiguous_plant_names as plant_match
        on lower(trim(measures.affected_plant)) = plant_match.match_name
)

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
    case
        when is_market_or_foreign then null
        when plant_fuel is not null then plant_fuel
        when primary_energy_class = 'Konventionell' then 'unknown'
        when primary_energy_class = 'Erneuerbar' then 'wind_onshore'
    end as fuel,
    plant_fuel is null as is_fuel_fallback,
    is_market_or_foreign,
    not is_market_or_foreign
    and (not is_test_run or {{ var('redispatch_include_test_runs', false) }}) as is_included_in_area_balance
from mapped
