{#
    German power plants. fuel = canonical fuel of the plant's energy source, for German (SMARD/MaStR/BNetzA)
    and English (OPSD) labels; anything else -> 'unknown' (is_unknown_fuel).
#}
with

power_plants as (
    select * from {{ source('raw_reference', 'power_plants') }}
),

classified as (
    select
        plant_key,
        name,
        block,
        energy_source,
        technology,
        capacity_net_mw,
        state,
        status,
        case
            when energy_source ~* '(braunkohle|lignite)' then 'lignite'
            when energy_source ~* '(steinkohle|hard coal)' then 'hard_coal'
            when energy_source ~* '(erdgas|natural gas|^gas$)' then 'natural_gas'
            when energy_source ~* '(kernenergie|nuclear|uran)' then 'nuclear'
            when energy_source ~* '(pumpspeicher|pumped)' then 'pumped_storage'
            when energy_source ~* '(wasser|hydro|lauf)' then 'hydro'
            when energy_source ~* '(offshore)' then 'wind_offshore'
            when energy_source ~* '(wind)' then 'wind_onshore'
            when energy_source ~* '(solar|photovolt)' then 'photovoltaics'
            when energy_source ~* '(biomass|biogas|biomethan)' then 'biomass'
            when energy_source ~* '(mineral|heizöl|oil)' then 'other_conventional'
            when energy_source ~* '(abfall|waste|sonstige|other|mehrere|mixed|gicht|grubengas)'
                then 'other_conventional'
        end as mapped_fuel,
        _loaded_at
    from power_plants
)

select
    plant_key,
    name,
    block,
    energy_source,
    technology,
    capacity_net_mw,
    state,
    status,
    coalesce(mapped_fuel, 'unknown') as fuel,
    mapped_fuel is null as is_unknown_fuel,
    _loaded_at
from classified
