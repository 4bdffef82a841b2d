{#
    A household rollup of a coarser LOCAL calendar period (period: 'month' or 'year') summed from a finer one
    (relation, with column <finer>_start_local): a local month is exactly its local days and a local year its local
    months, every measure is a sum (kWh, kg, interval counts, covered hours), and the effective intensity is
    recomputed from the summed kg and attributed kWh (never a mean of the finer intensities). Equal to rolling
    fct_household_emissions up directly, at the cost of reading a few rows per household and finer period.
#}
{% macro household_rollup_of(relation, finer, period) -%}
with finer_periods as (
    select * from {{ relation }}
),

periods as (
    select
        household_id,
        date_trunc('{{ period }}', {{ finer }}_start_local)::date as {{ period }}_start_local,
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
    from finer_periods
    group by household_id, date_trunc('{{ period }}', {{ finer }}_start_local)::date, model, scope, timezone
),

lengths as (
    select
        *,
        trim_scale(extract(epoch from (
            ({{ period }}_start_local + interval '1 {{ period }}')::timestamp at time zone timezone
            - {{ period }}_start_local::timestamp at time zone timezone
        )) / 3600) as period_hours
    from periods
)

select
    household_id,
    {{ period }}_start_local,
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
    period_hours,
    covered_hours,
    coalesce(covered_hours >= period_hours, false) as is_complete,
    source_loaded_at
from lengths
{%- endmacro %}
