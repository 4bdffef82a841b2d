{#
    Consumption series per region and interval, one row with three measures: total load (410 "Netzlast"),
    residual load (4359) and pumped-storage consumption (4387; load, never negative generation). NULL = not
    published (kept, not filled).
#}
with

chart_values as (
    select * from {{ source('raw_smard', 'chart_values') }}
    where filter_id in (410, 4359, 4387)
),

pivoted as (
    select
        region,
        {{ smard_resolution('resolution') }} as resolution,
        interval_start_utc,
        max({{ finite_or_null('value') }}) filter (where filter_id = 410) as load_mwh,
        max({{ finite_or_null('value') }}) filter (where filter_id = 4359) as residual_load_mwh,
        max({{ finite_or_null('value') }}) filter (where filter_id = 4387) as pumped_storage_consumption_mwh,
        max(_loaded_at) as _loaded_at
    from chart_values
    group by 1, 2, 3
)

select
    region,
    resolution,
    interval_start_utc,
    {{ interval_end('interval_start_utc', 'resolution') }} as interval_end_utc,
    load_mwh,
    residual_load_mwh,
    pumped_storage_consumption_mwh,
    _loaded_at
from pivoted
