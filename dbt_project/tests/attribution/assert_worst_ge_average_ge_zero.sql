-- DOMAIN §3.3, §9.10.4: per region, interval and scope, worst emitter >= average >= 0 (rows with status OK).
-- With var data_test_scope = 'recent' (macro data_test_scope_predicate) only the rows an asset-triggered run rebuilt.
select
    region,
    interval_start_utc,
    resolution,
    scope,
    average_intensity_g_per_kwh,
    worst_emitter_intensity_g_per_kwh
from {{ ref('fct_grid_carbon_intensity') }}
where
    status = 'OK'
    and {{ data_test_scope_predicate(ref('fct_grid_carbon_intensity')) }}
    and (
        average_intensity_g_per_kwh < 0
        or worst_emitter_intensity_g_per_kwh < average_intensity_g_per_kwh
        or average_intensity_g_per_kwh is null
        or worst_emitter_intensity_g_per_kwh is null
    )
