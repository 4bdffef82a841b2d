-- DOMAIN §2.2, §9.10.4: ev_kwh + household_kwh = consumption_kwh and ev + household emissions = emissions.
-- With var data_test_scope = 'recent' (macro data_test_scope_predicate) only the rows an asset-triggered run rebuilt.
select
    household_id,
    interval_start_utc,
    resolution,
    model,
    scope
from {{ ref('fct_household_emissions') }}
where
    {{ data_test_scope_predicate(ref('fct_household_emissions')) }}
    and (
        abs(ev_kwh + household_kwh - consumption_kwh) > 1e-9
        or abs(coalesce(ev_emissions_kg + household_emissions_kg - emissions_kg, 0)) > 1e-9
    )
