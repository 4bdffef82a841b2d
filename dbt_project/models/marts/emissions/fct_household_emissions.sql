{{ window_replace_config(
    ['household_id', 'interval_start_utc', 'resolution', 'model', 'scope'],
    extra_indexes=[{'columns': ['household_id', 'settings_fingerprint']}],
    post_hook="{{ analyze_if_never_analyzed() }}",
) }}
-- Household emissions per interval, attribution model and scope (DOMAIN §4.11): emissions = c * I / 1000,
-- split into EV and household parts with the same intensity; rd_* = "of which caused by redispatch"
-- (locality only). Incremental (macros/attribution/incremental_replace.sql): replaces everything from the hour
-- var('incremental_lookback_days') days before the newest interval, or from the earliest hour with a newly loaded
-- input if earlier (rows whose input is gone leave), plus every interval of a household whose settings changed
-- (macro households_with_changed_settings), plus intervals missing from the fact however old (macro
-- intervals_missing_from_this).
-- depends_on: {{ ref('int_households_configured') }}
{%- set replace_from = incremental_replace_from([{'relation': ref('int_household_intensity_matched')}]) %}
{{ replace_from_marker(replace_from) }}
with household_intensity as (
    select * from {{ ref('int_household_intensity_matched') }}
    {%- if is_incremental() %}
        where
            interval_start_utc >= {{ replace_from }}
            or {{ changed_settings_households('household_id') }}
        union all
        select * from {{ ref('int_household_intensity_matched') }}
        where
            interval_start_utc < {{ replace_from }}
            and not ({{ changed_settings_households('household_id') }})
            and {{ intervals_missing_from_this(ref('int_household_intensity_matched'), replace_from) }}
    {%- endif %}
)

-- the matched rows are the fact's rows: int_household_intensity_matched computes every column (emissions = c * I /
-- 1000, gated on the model status). The fact's columns are named once, in its enforced contract
-- (_emissions__models.yml): dbt builds the table from them and fails the run on any missing or extra column.
select * from household_intensity  -- noqa: AM04
