{#
    US ISO generation by fuel in the shape of stg_smard__generation: region = the balancing authority's EIA
    respondent code (seed us_balancing_authorities: CAISO -> CISO, SPP -> SWPP, ...; the same key as the EIA
    source, so one grid has one region), MWh per interval =
    average MW x minutes / 60, resolution PT5M / PT1H. Labels that are not generation (counts_as_generation
    false, e.g. CAISO "Imports") stay visible with generation_mwh 0 and their value in raw_generation_mwh.
#}
with

generation_by_fuel as (
    select * from {{ source('raw_iso', 'generation_by_fuel') }}
),

balancing_authorities as (
    select
        iso,
        region
    from {{ ref('us_balancing_authorities') }}
),

fuel_map as (
    select
        source_system,
        source_code,
        fuel,
        counts_as_generation
    from {{ ref('fuel_type_map') }}
),

generation as (
    select
        coalesce(balancing_authorities.region, upper(generation_by_fuel.iso)) as region,
        case
            when generation_by_fuel.interval_minutes % 60 = 0
                then 'PT' || (generation_by_fuel.interval_minutes / 60) || 'H'
            else 'PT' || generation_by_fuel.interval_minutes || 'M'
        end as resolution,
        generation_by_fuel.interval_start_utc,
        generation_by_fuel.interval_minutes,
        generation_by_fuel.source_label as source_code,
        {{ mapped_fuel_columns('fuel_map') }},
        {{ finite_or_null('generation_by_fuel.generation_mw') }} as generation_mw,
        {{ finite_or_null('generation_by_fuel.generation_mw') }} * generation_by_fuel.interval_minutes / 60.0
            as raw_generation_mwh,
        generation_by_fuel._loaded_at
    from generation_by_fuel
    left join balancing_authorities
        on generation_by_fuel.iso = balancing_authorities.iso
    left join fuel_map
        on
            generation_by_fuel.iso = fuel_map.source_system
            and generation_by_fuel.source_label = fuel_map.source_code
)

select
    {{ generation_by_fuel_columns(
        "interval_start_utc + interval_minutes * interval '1 minute'", ['generation_mw']
    ) }}
from generation
