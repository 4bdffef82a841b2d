-- Household emissions per LOCAL calendar year (household time zone), model and scope; consumption-weighted.
{{ household_emissions_rollup('year') }}
