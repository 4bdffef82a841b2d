{# Tibber's price per kWh (incl. taxes) per home and interval. #}
with

prices as (
    select * from {{ source('raw_tibber', 'prices') }}
)

select
    home_id,
    {{ tibber_resolution('resolution') }} as resolution,
    starts_at_utc as interval_start_utc,
    {{ interval_end('starts_at_utc', tibber_resolution('resolution')) }} as interval_end_utc,
    total as total_price_per_kwh,
    energy as energy_price_per_kwh,
    tax as tax_price_per_kwh,
    currency,
    level as price_level,
    _loaded_at
from prices
