-- Household emissions per LOCAL calendar month (household time zone), model and scope, summed from the daily rollup
-- (macro household_rollup_of): consumption-weighted, with period_hours, covered_hours and is_complete. A run reads a
-- few rows per household and day instead of every interval of the fact.
{{ household_rollup_of(ref('agg_household_emissions_daily'), 'day', 'month') }}
