-- Household emissions per LOCAL calendar year (household time zone), model and scope, summed from the monthly
-- rollup (macro household_rollup_of): consumption-weighted, with period_hours, covered_hours and is_complete.
{{ household_rollup_of(ref('agg_household_emissions_monthly'), 'month', 'year') }}
