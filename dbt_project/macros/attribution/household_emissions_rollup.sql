{#
    Roll fct_household_emissions up to a LOCAL calendar period (the household's time zone, default
    var('default_timezone')): period = 'month' or 'year'. Emissions are summed per interval (consumption-
    weighted); effective_intensity_g_per_kwh = 1000 * sum(kg) / sum(kWh of attributed intervals), never a
    time-weighted mean of intensities. Rounded to 6 decimals (presentation value).
    batch (optional, from rollup_batch): only the periods an incremental run rebuilds.
#}
{% macro household_emissions_rollup(period, batch=none) -%}
with emissions as (
    select * from {{ ref('fct_household_emissions') }}
    {%- if batch %}
    where {{ rollup_rows_predicate(batch) }}
    {%- endif %}
),

households as (
    select
        household_id,
        timezone
    from {{ ref('dim_households') }}
),

localised as (
    select
        emissions.*,
        date_trunc(
            '{{ period }}',
            emissions.interval_start_utc at time zone coalesce(households.timezone, '{{ var("default_timezone", "Europe/Berlin") }}')
        )::date as period_start_local,
        coalesce(households.timezone, '{{ var("default_timezone", "Europe/Berlin") }}') as timezone
    from emissions
    left join households
        on emissions.household_id = households.household_id
)

select
    household_id,
    period_start_local as {{ period }}_start_local,
    model,
    scope,
    timezone,
    count(*) as interval_count,
    count(*) filter (where status <> 'OK') as unattributed_interval_count,
    trim_scale(sum(consumption_kwh)) as consumption_kwh,
    trim_scale(sum(ev_kwh)) as ev_kwh,
    trim_scale(sum(household_kwh)) as household_kwh,
    trim_scale(coalesce(sum(consumption_kwh) filter (where status = 'OK'), 0)) as attributed_kwh,
    trim_scale(sum(emissions_kg)) as emissions_kg,
    trim_scale(sum(ev_emissions_kg)) as ev_emissions_kg,
    trim_scale(sum(household_emissions_kg)) as household_emissions_kg,
    trim_scale(sum(rd_emissions_kg)) as rd_emissions_kg,
    trim_scale(round(
        1000 * sum(emissions_kg) / nullif(sum(consumption_kwh) filter (where status = 'OK'), 0), 6
    )) as effective_intensity_g_per_kwh,
    max(settings_fingerprint) as settings_fingerprint,
    max(source_loaded_at) as source_loaded_at
from localised
{%- if batch %}
where {{ rollup_periods_predicate(batch) }}
{%- endif %}
group by household_id, period_start_local, model, scope, timezone
{%- endmacro %}
