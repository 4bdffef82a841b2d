{#
    Household grid import per interval split into EV and household load (DOMAIN 2). Incremental
    (macros/attribution/incremental_replace.sql): each run replaces everything from the hour
    var incremental_lookback_days days before the current maximum interval, or from the earliest hour whose raw row
    was loaded after the last processed load (backfills, revisions) if that is earlier, plus every interval of a
    household whose settings changed (macro households_with_changed_settings). Rows in that range whose raw row is
    gone (a resolution switch, rows deleted by hand) leave.
#}
-- depends_on: {{ ref('int_households_configured') }}
{{
    config(
        materialized='incremental',
        unique_key=['household_id', 'resolution', 'interval_start_utc'],
        incremental_strategy='window_replace',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['interval_start_utc']}, {'columns': ['source_loaded_at']},
            {'columns': ['household_id', 'settings_fingerprint']},
        ],
        post_hook="{{ analyze_if_never_analyzed() }}",
    )
}}
{%- set replace_from = incremental_replace_from([{'relation': ref('int_household_consumption_split')}]) %}
{{ replace_from_marker(replace_from) }}

with

split as (
    select split_rows.*
    from {{ ref('int_household_consumption_split') }} as split_rows
    {%- if is_incremental() %}
        where
            split_rows.interval_start_utc >= {{ replace_from }}
            or {{ changed_settings_households('split_rows.household_id') }}
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
