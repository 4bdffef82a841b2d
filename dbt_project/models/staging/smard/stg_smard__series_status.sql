{#
    Which SMARD series exist: is_absent = the index answered HTTP 404 (structurally absent -> 0 MWh with flag
    SERIES_ABSENT downstream), unlike a NULL inside an existing series (not yet published).
#}
with

series_status as (
    select * from {{ source('raw_smard', 'series_status') }}
),

fuel_map as (
    select
        source_code,
        fuel
    from {{ ref('fuel_type_map') }}
    where source_system = 'smard'
)

select
    series_status.filter_id,
    series_status.region,
    {{ smard_resolution('series_status.resolution') }} as resolution,
    series_status.status = 'absent' as is_absent,
    fuel_map.fuel,
    series_status.status,
    series_status.checked_at_utc
from series_status
left join fuel_map
    on series_status.filter_id::text = fuel_map.source_code
