{#
    Metered grid import per home and interval. Units normalised to kWh (Wh -> /1000). Negative values (net
    export) are treated as 0 grid import (DOMAIN 4.3), raw value kept. NULL = not metered (yet), kept.
    One resolution per home and UTC hour: the loader replaces a window at all resolutions, so a switch of
    TIBBER_RESOLUTION leaves no hour at two resolutions; rows loaded before that rule could, so where an hour
    still has both, the resolution of its most recently loaded rows wins, the finer one on a tie (no double
    counting). hour_start_utc is that hour: a filter on it reaches the raw rows below the window (a filter on
    interval_start_utc alone cannot), e.g. the data tests' 'recent' scope (macros/data_test_scope.sql).
#}
with

loaded as (
    select
        *,
        {{ utc_hour_start('interval_start_utc') }} as hour_start_utc,
        first_value(resolution) over (
            partition by home_id, {{ utc_hour_start('interval_start_utc') }}
            order by _loaded_at desc, resolution desc
        ) as current_resolution
    from {{ source('raw_tibber', 'consumption') }}
),

consumption as (
    select * from loaded
    where resolution = current_resolution
),

normalised as (
    select
        home_id,
        {{ tibber_resolution('resolution') }} as resolution,
        interval_start_utc,
        interval_end_utc,
        hour_start_utc,
        case
            when lower(consumption_unit) = 'wh' then {{ finite_or_null('consumption_kwh') }} / 1000
            else {{ finite_or_null('consumption_kwh') }}
        end as raw_consumption_kwh,
        consumption_unit,
        cost,
        unit_price,
        unit_price_vat,
        currency,
        _loaded_at
    from consumption
)

select
    home_id,
    resolution,
    interval_start_utc,
    interval_end_utc,
    hour_start_utc,
    greatest(raw_consumption_kwh, 0) as consumption_kwh,
    raw_consumption_kwh,
    coalesce(raw_consumption_kwh < 0, false) as is_negative_clamped,
    raw_consumption_kwh is not null as is_metered,
    consumption_unit,
    cost,
    unit_price,
    unit_price_vat,
    currency,
    _loaded_at
from normalised
