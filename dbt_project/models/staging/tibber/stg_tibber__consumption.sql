{#
    Metered grid import per home and interval. Units normalised to kWh (Wh -> /1000). Negative values (net
    export) are treated as 0 grid import (DOMAIN 4.3), raw value kept. NULL = not metered (yet), kept.
#}
with

consumption as (
    select * from {{ source('raw_tibber', 'consumption') }}
),

normalised as (
    select
        home_id,
        {{ tibber_resolution('resolution') }} as resolution,
        interval_start_utc,
        interval_end_utc,
        case
            when lower(consumption_unit) = 'wh' then consumption_kwh / 1000
            else consumption_kwh
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
