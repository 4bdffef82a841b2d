{{
    config(
        materialized='incremental',
        unique_key=['region', 'interval_start_utc', 'resolution', 'scope'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
    )
}}
-- Grid carbon intensity per region (SMARD DE + control areas, EIA BAs, ISOs), interval, resolution and scope:
-- attribution models 1-3 (DOMAIN §3.1-§3.3) with status and flags (§4). Incremental: each run re-evaluates the
-- last var('incremental_lookback_days') days before the current maximum (pending and revised data), plus
-- intervals not processed yet however old (a backfill; macro missing_from_this).
with grid_intensity as (
    select intensity.* from {{ ref('int_grid_intensity') }} as intensity
    {%- if is_incremental() %}
        where
            {{ attribution_lookback_predicate('interval_start_utc') }}
            or {{ missing_from_this('intensity', ['region', 'interval_start_utc', 'resolution']) }}
    {%- endif %}
)

select
    region,
    interval_start_utc,
    interval_end_utc,
    resolution,
    scope,
    source_system,
    generation_mwh,
    emissions_kg,
    average_intensity_g_per_kwh,
    marginal_fuel,
    merit_order_intensity_g_per_kwh,
    worst_fuel,
    worst_emitter_intensity_g_per_kwh,
    price_eur_per_mwh,
    status,
    merit_order_status,
    flags,
    factor_ids
from grid_intensity
