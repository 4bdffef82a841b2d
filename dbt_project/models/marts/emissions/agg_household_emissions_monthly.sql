-- Household emissions per LOCAL calendar month (household time zone), model and scope; consumption-weighted.
-- is_complete: every hour of the local month is metered (covered_hours = period_hours), so a chart never puts a
-- partial month next to full ones as if they were comparable.
with emissions_per_month as (
    {{ household_emissions_rollup('month') | indent(4) }}
),

coverage as (
    {{ household_period_coverage('month') | indent(4) }}
)

select
    emissions_per_month.*,
    coverage.period_hours,
    coverage.covered_hours,
    coalesce(coverage.covered_hours >= coverage.period_hours, false) as is_complete
from emissions_per_month
left join coverage
    on
        emissions_per_month.household_id = coverage.household_id
        and emissions_per_month.month_start_local = coverage.period_start_local
