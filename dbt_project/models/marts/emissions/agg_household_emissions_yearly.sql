-- Household emissions per LOCAL calendar year (household time zone), model and scope, summed from the monthly
-- rollup: a local year is exactly its twelve local months, every measure is a sum (kWh, kg, interval counts,
-- covered hours), and the effective intensity is recomputed from the summed kg and attributed kWh (never a mean of
-- monthly intensities). So a run reads a few rows per household and month instead of every interval of the fact.
with months as (
    select * from {{ ref('agg_household_emissions_monthly') }}
),

years as (
    select
        household_id,
        date_trunc('year', month_start_local)::date as year_start_local,
        model,
        scope,
        timezone,
        sum(interval_count) as interval_count,
        sum(unattributed_interval_count) as unattributed_interval_count,
        trim_scale(sum(consumption_kwh)) as consumption_kwh,
        trim_scale(sum(ev_kwh)) as ev_kwh,
        trim_scale(sum(household_kwh)) as household_kwh,
        trim_scale(sum(attributed_kwh)) as attributed_kwh,
        trim_scale(sum(emissions_kg)) as emissions_kg,
        trim_scale(sum(ev_emissions_kg)) as ev_emissions_kg,
        trim_scale(sum(household_emissions_kg)) as household_emissions_kg,
        trim_scale(sum(rd_emissions_kg)) as rd_emissions_kg,
        trim_scale(sum(covered_hours)) as covered_hours,
        max(source_loaded_at) as source_loaded_at
    from months
    group by household_id, date_trunc('year', month_start_local)::date, model, scope, timezone
)

select
    household_id,
    year_start_local,
    model,
    scope,
    timezone,
    interval_count::bigint as interval_count,
    unattributed_interval_count::bigint as unattributed_interval_count,
    consumption_kwh,
    ev_kwh,
    household_kwh,
    attributed_kwh,
    emissions_kg,
    ev_emissions_kg,
    household_emissions_kg,
    rd_emissions_kg,
    trim_scale(round(1000 * emissions_kg / nullif(attributed_kwh, 0), 6)) as effective_intensity_g_per_kwh,
    trim_scale(extract(epoch from (
        (year_start_local + interval '1 year')::timestamp at time zone timezone
        - year_start_local::timestamp at time zone timezone
    )) / 3600) as period_hours,
    covered_hours,
    coalesce(covered_hours >= extract(epoch from (
        (year_start_local + interval '1 year')::timestamp at time zone timezone
        - year_start_local::timestamp at time zone timezone
    )) / 3600, false) as is_complete,
    source_loaded_at
from years
