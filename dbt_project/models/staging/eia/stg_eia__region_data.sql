{# EIA-930 per BA and hour: demand (D), net generation (NG), demand forecast (DF), total interchange (TI). #}
with

region_data as (
    select * from {{ source('raw_eia', 'region_data') }}
)

select
    respondent as region,
    'PT1H' as resolution,
    interval_start_utc,
    interval_start_utc + interval '1 hour' as interval_end_utc,
    type as metric,
    case type
        when 'D' then 'demand'
        when 'NG' then 'net_generation'
        when 'DF' then 'demand_forecast'
        when 'TI' then 'total_interchange'
        else lower(type)
    end as metric_name,
    {{ finite_or_null('value_mwh') }} as value_mwh,
    respondent_name as region_name,
    _loaded_at
from region_data
