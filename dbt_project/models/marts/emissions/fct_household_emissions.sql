{{
    config(
        materialized='incremental',
        unique_key=['household_id', 'interval_start_utc', 'resolution', 'model', 'scope'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ delete_rows_gone_upstream(ref('int_household_intensity_matched'), ['household_id', 'resolution', 'interval_start_utc']) }}",
    )
}}
-- Household emissions per interval, attribution model and scope (DOMAIN §4.11): emissions = c * I / 1000,
-- split into EV and household parts with the same intensity; rd_* = "of which caused by redispatch"
-- (locality only). Incremental with the look-back of var('incremental_lookback_days'), plus every interval of
-- a household whose settings changed (macro households_with_changed_settings), plus intervals not processed
-- yet however old (a backfill; macro missing_from_this).
-- depends_on: {{ ref('int_households_configured') }}
with household_intensity as (
    select intensity_matched.* from {{ ref('int_household_intensity_matched') }} as intensity_matched
    {%- if is_incremental() %}
        where
            {{ attribution_lookback_predicate('interval_start_utc') }}
            or {{ households_with_changed_settings('household_id') }}
            or {{ missing_from_this('intensity_matched', ['household_id', 'interval_start_utc', 'resolution']) }}
    {%- endif %}
)

select
    household_id,
    interval_start_utc,
    interval_end_utc,
    resolution,
    model,
    scope,
    region_used,
    intensity_resolution,
    consumption_kwh,
    ev_kwh,
    household_kwh,
    intensity_g_per_kwh,
    emissions_kg,
    ev_emissions_kg,
    household_emissions_kg,
    rd_intensity_g_per_kwh,
    rd_emissions_kg,
    marginal_fuel,
    status,
    flags,
    factor_ids,
    settings_fingerprint
from household_intensity
