{#
    Household grid import per interval split into EV and household load (DOMAIN 2). Incremental: each run
    re-processes the last var incremental_lookback_days days before the current maximum interval, plus any
    interval whose raw row was loaded after the last processed load (backfills, revisions), plus every
    interval of a household whose settings changed (macro households_with_changed_settings).
#}
-- depends_on: {{ ref('int_households_configured') }}
{{
    config(
        materialized='incremental',
        unique_key=['household_id', 'resolution', 'interval_start_utc'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook="{{ delete_rows_gone_upstream(ref('int_household_consumption_split'), ['household_id', 'resolution', 'interval_start_utc']) }}",
    )
}}

with

split as (
    select split_rows.*
    from {{ ref('int_household_consumption_split') }} as split_rows
    {%- if is_incremental() %}
        where
            split_rows.interval_start_utc >= (
                select
                    coalesce(max(processed.interval_start_utc), '-infinity'::timestamptz)
                    - interval '{{ var("incremental_lookback_days") }} days'
                from {{ this }} as processed
            )
            or split_rows.source_loaded_at > (
                select coalesce(max(processed.source_loaded_at), '-infinity'::timestamptz)
                from {{ this }} as processed
            )
            or {{ households_with_changed_settings('split_rows.household_id') }}
    {%- endif %}
)

select
    household_id,
    interval_start_utc,
    interval_end_utc,
    resolution,
    consumption_kwh,
    ev_kwh,
    household_kwh,
    average_power_kw,
    flags,
    is_finest_grain,
    control_area,
    timezone,
    ev_split_rule,
    source_loaded_at,
    settings_fingerprint
from split
