-- Model 4 (locality, balance-and-pool, DOMAIN §3.4) per German control area, interval (PT15M and PT1H) and scope:
-- the zone-level face of what fct_household_emissions applies per household (model = 'locality'), for the carbon
-- API's model=locality. Only the four control areas have it: DE is the pool they import from, US regions have no
-- control-area balance. Incremental (macros/attribution/incremental_replace.sql) like int_locality_intensity.
{{ window_replace_config(
    ['region', 'resolution', 'interval_start_utc', 'scope'], post_hook="{{ analyze_if_never_analyzed() }}",
) }}
{%- set replace_from = incremental_replace_from([{'relation': ref('int_locality_intensity')}]) %}
{{ replace_from_marker(replace_from) }}
with locality as (
    select * from {{ ref('int_locality_intensity') }}
    where interval_start_utc >= {{ replace_from }}
)

select
    control_area as region,
    interval_start_utc,
    interval_end_utc,
    resolution,
    scope,
    generation_mwh,
    load_mwh,
    surplus_mwh,
    deficit_mwh,
    import_gap_mwh,
    locality_intensity_g_per_kwh,
    rd_intensity_g_per_kwh,
    status,
    flags,
    source_loaded_at
from locality
