-- DOMAIN §2.2, §9.10.4: ev_kwh + household_kwh = consumption_kwh and ev + household emissions = emissions.
select
    household_id,
    interval_start_utc,
    resolution,
    model,
    scope
from {{ ref('fct_household_emissions') }}
where
    abs(ev_kwh + household_kwh - consumption_kwh) > 1e-9
    or abs(coalesce(ev_emissions_kg + household_emissions_kg - emissions_kg, 0)) > 1e-9
