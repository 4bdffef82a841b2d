{#
    Day-ahead price of the German/Luxembourg market area (filter 4169), EUR/MWh. Negative prices are valid data.
    Region DE-LU is preferred; a series stored under DE (third-party fallback) is used only where DE-LU is missing.
#}
with

chart_values as (
    select * from {{ source('raw_smard', 'chart_values') }}
    where filter_id = 4169 and region in ('DE-LU', 'DE')
),

ranked as (
    select
        {{ smard_resolution('resolution') }} as resolution,
        interval_start_utc,
        {{ finite_or_null('value') }} as price_eur_per_mwh,
        region as source_region,
        _loaded_at,
        row_number() over (
            partition by resolution, interval_start_utc
            order by case region when 'DE-LU' then 0 else 1 end
        ) as region_preference
    from chart_values
)

select
    resolution,
    interval_start_utc,
    {{ interval_end('interval_start_utc', 'resolution') }} as interval_end_utc,
    price_eur_per_mwh,
    source_region,
    _loaded_at
from ranked
where region_preference = 1
