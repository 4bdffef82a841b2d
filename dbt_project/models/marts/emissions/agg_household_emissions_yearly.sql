-- Household emissions per LOCAL calendar year (household time zone), model and scope; consumption-weighted.
-- is_complete: every hour of the local year is metered (covered_hours = period_hours), so a chart never puts a
-- partial year next to full ones as if they were comparable.
with emissions_per_year as (
    {{ household_emissions_rollup('year') | indent(4) }}
),

coverage as (
    {{ household_period_coverage('year') | indent(4) }}
)

select
    emissions_per_year.*,
    coverage.period_hours,
    coverage.covered_hours,
    coalesce(coverage.covered_hours >= coverage.period_hours, false) as is_complete
from emissions_per_year
left join coverage
    on
        emissions_per_year.household_id = coverage.household_id
        and emissions_per_year.year_start_local = coverage.period_start_local
