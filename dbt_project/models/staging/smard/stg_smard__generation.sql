{#
    Realised generation per fuel: every chart_values series that is not load, residual load, pumped-storage
    consumption, a price or a forecast. Labels without a fuel_type_map row become fuel 'unknown'
    (is_unknown_fuel), never dropped. Negative values are clamped to 0 (raw value kept).
#}
{%- set non_generation_filter_ids = [
    410, 4359, 4387,
    4169, 5078, 4996, 4997, 4170, 251, 252, 253, 254, 255, 256, 257, 258, 259, 260, 261, 262,
    122, 123, 125, 126, 715, 3791, 5097, 411, 4362,
] -%}

with

chart_values as (
    select * from {{ source('raw_smard', 'chart_values') }}
    where filter_id not in ({{ non_generation_filter_ids | join(', ') }})
),

fuel_map as (
    select
        source_code,
        fuel,
        counts_as_generation
    from {{ ref('fuel_type_map') }}
    where source_system = 'smard'
),

generation as (
    select
        chart_values.region,
        {{ smard_resolution('chart_values.resolution') }} as resolution,
        chart_values.interval_start_utc,
        chart_values.filter_id::text as source_code,
        {{ mapped_fuel_columns('fuel_map') }},
        {{ finite_or_null('chart_values.value') }} as raw_generation_mwh,
        chart_values.meta_created_utc,
        chart_values._loaded_at
    from chart_values
    left join fuel_map
        on chart_values.filter_id::text = fuel_map.source_code
)

select
    {{ generation_by_fuel_columns(
        interval_end('interval_start_utc', 'resolution'), ['meta_created_utc']
    ) }}
from generation
