{#
    Metered hours per household and LOCAL calendar period (period = 'month' or 'year'), for the rollups'
    is_complete: covered_hours sums the length of every interval of fct_household_emissions (one row per
    interval: the mart repeats an interval per model and scope), localised as household_emissions_rollup does
    (the household's time zone, default var('default_timezone')). A household has one resolution per hour, so
    intervals never overlap. period_hours is the length of the local period (a Europe/Berlin March has 743 h).
    batch (optional, from rollup_batch): only the periods an incremental run rebuilds.
#}
{% macro household_period_coverage(period, batch=none) -%}
with households as (
    select
        household_id,
        timezone
    from {{ ref('dim_households') }}
),

metered_intervals as (
    select distinct
        emissions.household_id,
        emissions.interval_start_utc,
        emissions.interval_end_utc,
        coalesce(households.timezone, '{{ var("default_timezone", "Europe/Berlin") }}') as timezone
    from (
        select
            household_id,
            interval_start_utc,
            interval_end_utc
        from {{ ref('fct_household_emissions') }}
        {%- if batch %}
        where {{ rollup_rows_predicate(batch) }}
        {%- endif %}
    ) as emissions
    left join households
        on emissions.household_id = households.household_id
),

localised as (
    select
        household_id,
        timezone,
        date_trunc('{{ period }}', interval_start_utc at time zone timezone)::date as period_start_local,
        extract(epoch from interval_end_utc - interval_start_utc) / 3600 as hours
    from metered_intervals
)

select
    household_id,
    period_start_local,
    trim_scale(sum(hours)) as covered_hours,
    trim_scale(extract(epoch from (
        (period_start_local + interval '1 {{ period }}')::timestamp at time zone timezone
        - period_start_local::timestamp at time zone timezone
    )) / 3600) as period_hours
from localised
{%- if batch %}
where {{ rollup_periods_predicate(batch) }}
{%- endif %}
group by household_id, period_start_local, timezone
{%- endmacro %}

{#
    The whole rollup model of a LOCAL calendar period ('month' or 'year'): household_emissions_rollup joined to
    household_period_coverage, with is_complete = every hour of the local period is metered, so a chart never
    puts a partial period next to full ones as if they were comparable.
    batch (optional, from rollup_batch): only the periods an incremental run rebuilds.
#}
{% macro household_emissions_with_completeness(period, batch=none) -%}
with emissions_per_period as (
    {{ household_emissions_rollup(period, batch) | indent(4) }}
),

coverage as (
    {{ household_period_coverage(period, batch) | indent(4) }}
)

select
    emissions_per_period.*,
    coverage.period_hours,
    coverage.covered_hours,
    coalesce(coverage.covered_hours >= coverage.period_hours, false) as is_complete
from emissions_per_period
left join coverage
    on
        emissions_per_period.household_id = coverage.household_id
        and emissions_per_period.{{ period }}_start_local = coverage.period_start_local
{%- endmacro %}
