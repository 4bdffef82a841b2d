-- Household emissions per LOCAL calendar year (household time zone), model and scope; consumption-weighted, with
-- period_hours, covered_hours and is_complete (macro household_emissions_with_completeness).
{{ household_emissions_with_completeness('year') }}
