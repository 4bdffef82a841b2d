{{ window_replace_config(
    ['region', 'interval_start_utc', 'resolution', 'scope'], post_hook="{{ analyze_if_never_analyzed() }}",
) }}
-- Grid carbon intensity per region (SMARD DE + control areas, EIA BAs, ISOs), interval, resolution and scope:
-- attribution models 1-3 (DOMAIN §3.1-§3.3) with status and flags (§4). Incremental
-- (macros/attribution/incremental_replace.sql): each run replaces everything from the hour
-- var('incremental_lookback_days') days before the current maximum (pending and revised data), or from the earliest
-- hour with newly loaded input if earlier (backfills, revisions), plus intervals missing from the fact however old
-- (macro intervals_missing_from_this).
{%- set replace_from = incremental_replace_from([{'relation': ref('int_grid_intensity')}]) %}
{{ replace_from_marker(replace_from) }}
with grid_intensity as (
    select * from {{ ref('int_grid_intensity') }}
    {%- if is_incremental() %}
        where interval_start_utc >= {{ replace_from }}
        union all
        select * from {{ ref('int_grid_intensity') }}
        where
            interval_start_utc < {{ replace_from }}
            and {{ intervals_missing_from_this(ref('int_grid_intensity'), replace_from) }}
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
    factor_ids,
    source_loaded_at
from grid_intensity
