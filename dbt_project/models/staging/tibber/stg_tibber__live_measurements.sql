{# Tibber Pulse live samples in kW (empty until a Pulse collector exists). #}
with

live_measurements as (
    select * from {{ source('raw_tibber', 'live_measurements') }}
)

select
    home_id,
    measured_at_utc,
    power_w / 1000 as power_kw,
    power_production_w / 1000 as power_production_kw,
    accumulated_consumption_kwh,
    accumulated_consumption_last_hour_kwh,
    _loaded_at
from live_measurements
