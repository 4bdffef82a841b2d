{#
    EIA-930 net generation by fuel per balancing authority and hour, in the same shape as
    stg_smard__generation (region = respondent). Negative values (net charging of storage) are clamped to 0.
#}
with

fuel_type_data as (
    select * from {{ source('raw_eia', 'fuel_type_data') }}
),

fuel_map as (
    select
        source_code,
        fuel,
        counts_as_generation
    from {{ ref('fuel_type_map') }}
    where source_system = 'eia'
),

generation as (
    select
        fuel_type_data.respondent as region,
        'PT1H' as resolution,
        fuel_type_data.interval_start_utc,
        fuel_type_data.fueltype as source_code,
        {{ mapped_fuel_columns('fuel_map') }},
        {{ finite_or_null('fuel_type_data.value_mwh') }} as raw_generation_mwh,
        fuel_type_data.respondent_name as region_name,
        fuel_type_data._loaded_at
    from fuel_type_data
    left join fuel_map
        on fuel_type_data.fueltype = fuel_map.source_code
)

select
    {{ generation_by_fuel_columns(
        interval_end('interval_start_utc', 'resolution'), ['region_name']
    ) }}
from generation
