{# EIA-930 interchange between BAs per hour; positive interchange_mwh = export from from_region to to_region. #}
with

interchange_data as (
    select * from {{ source('raw_eia', 'interchange_data') }}
)

select
    from_ba as from_region,
    to_ba as to_region,
    'PT1H' as resolution,
    interval_start_utc,
    interval_start_utc + interval '1 hour' as interval_end_utc,
    {{ finite_or_null('value_mwh') }} as interchange_mwh,
    from_ba_name as from_region_name,
    to_ba_name as to_region_name,
    _loaded_at
from interchange_data
