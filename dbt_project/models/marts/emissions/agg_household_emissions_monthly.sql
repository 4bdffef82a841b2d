-- Household emissions per LOCAL calendar month (household time zone), model and scope; consumption-weighted.
{{ household_emissions_rollup('month') }}
