{{
    config(
        materialized='incremental',
        incremental_strategy='window_replace',
        window_replace_column='month_start_local',
        unique_key=['household_id'],
        on_schema_change='append_new_columns',
    )
}}
-- Household emissions per LOCAL calendar month (household time zone), model and scope; consumption-weighted, with
-- period_hours, covered_hours and is_complete (macro household_emissions_with_completeness).
-- Incremental (macro rollup_batch): a run rebuilds the months from the one holding the fact's look-back (or its
-- earliest newly loaded row) on, and every month of a household whose settings changed; older months keep their
-- rows, so an hourly run re-aggregates about a month of the fact, not its whole history.
-- depends_on: {{ ref('int_households_configured') }}
{%- set batch = rollup_batch('month') %}
{%- if batch %}
{{ replace_from_marker(batch['from_local']) }}
{%- endif %}
{{ household_emissions_with_completeness('month', batch) }}
