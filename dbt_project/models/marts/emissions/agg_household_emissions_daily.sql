{{
    config(
        materialized='incremental',
        incremental_strategy='window_replace',
        window_replace_column='day_start_local',
        unique_key=['household_id'],
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['day_start_local']}, {'columns': ['source_loaded_at']},
            {'columns': ['household_id', 'settings_fingerprint']},
        ],
    )
}}
-- Household emissions per LOCAL calendar day (household time zone), model and scope; consumption-weighted, with
-- period_hours (23 / 24 / 25), covered_hours and is_complete (macro household_emissions_with_completeness).
-- Incremental (macro rollup_batch): a run rebuilds the days from the one holding the fact's look-back (or its
-- earliest newly loaded row) on, and every day of a household whose settings changed; older days keep their rows.
-- The monthly rollup sums these days, the yearly one the months (macro household_rollup_of).
-- depends_on: {{ ref('int_households_configured') }}
{%- set batch = rollup_batch('day') %}
{%- if batch %}
{{ replace_from_marker(batch['from_local']) }}
{%- endif %}
{{ household_emissions_with_completeness('day', batch) }}
