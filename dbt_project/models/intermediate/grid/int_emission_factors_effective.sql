-- The emission factor effective for each (region, interval, fuel, scope) that generation or redispatch needs,
-- DOMAIN §0 (effectivity at the interval START: valid_from <= interval_start_utc < valid_to) and §1.3:
--   lookup order: the region itself -> 'DE' (German control areas only) -> 'GLOBAL'
--   (var emission_factor_global_fallback); no row at any level -> has_factor = false (status NO_FACTOR
--   downstream). Nothing is backfilled in time: an interval before the first valid_from has no factor.
--   FACTOR_BOUNDARY_INSIDE_INTERVAL: another version of the chosen (fuel, region, scope) starts strictly
--   inside the interval; the factor effective at the interval start is used.
-- Incremental (macros/attribution/incremental_replace.sql): rebuilds the look-back and every interval with newly
-- loaded generation or redispatch rows. A factor version dated before that needs --full-refresh (methodology item 9).
{{ window_replace_config(['region', 'resolution', 'interval_start_utc']) }}
{%- set replace_from = incremental_replace_from([
    {'relation': ref('int_generation_by_fuel_quarter_hourly')},
    {'relation': ref('int_generation_by_fuel_hourly')},
    {'relation': ref('int_redispatch_by_interval')},
]) %}
{{ replace_from_marker(replace_from) }}
with generation_keys as (
    {{ generation_by_fuel_rows(
        replace_from, ['region', 'resolution', 'interval_start_utc', 'interval_end_utc', 'fuel', 'source_loaded_at']
    ) }}
),

lookup_key_rows as (
    select
        generation_keys.region,
        generation_keys.resolution,
        generation_keys.interval_start_utc,
        generation_keys.interval_end_utc,
        lookup_fuels.fuel,
        generation_keys.source_loaded_at
    from generation_keys
    -- the generation's own fuel, and wind_onshore in every interval: the negative-price override of the merit order
    -- needs e_wind_onshore(t) (§3.2)
    cross join lateral (values (generation_keys.fuel), ('wind_onshore')) as lookup_fuels (fuel)
    union all
    {{ input_rows(ref('int_redispatch_by_interval'), replace_from, [
        'control_area as region', 'resolution', 'interval_start_utc', 'interval_end_utc', 'fuel', 'source_loaded_at',
    ]) }}
),

lookup_keys as (
    select
        region,
        resolution,
        interval_start_utc,
        interval_end_utc,
        fuel,
        max(source_loaded_at) as source_loaded_at
    from lookup_key_rows
    group by region, resolution, interval_start_utc, interval_end_utc, fuel
),

scopes as (
    select scope from ({{ scope_values() }}) as scope_list (scope)
),

lookup_levels as (
    select
        lookup_keys.region,
        lookup_keys.resolution,
        lookup_keys.interval_start_utc,
        lookup_keys.interval_end_utc,
        lookup_keys.fuel,
        scopes.scope,
        levels.factor_region,
        levels.fallback_level
    from lookup_keys
    cross join scopes
    cross join
        lateral (
            values
            (lookup_keys.region, 1),
            (
                case
                    when lookup_keys.region in {{ german_control_areas_sql() }} then 'DE'
                end,
                2
            ),
            (case when {{ var('emission_factor_global_fallback', true) }} then 'GLOBAL' end, 3)
        ) as levels (factor_region, fallback_level)
    where levels.factor_region is not null
),

matching_factors as (
    select distinct on (
        lookup_levels.region,
        lookup_levels.resolution,
        lookup_levels.interval_start_utc,
        lookup_levels.fuel,
        lookup_levels.scope
    )
        lookup_levels.region,
        lookup_levels.resolution,
        lookup_levels.interval_start_utc,
        lookup_levels.fuel,
        lookup_levels.scope,
        lookup_levels.fallback_level,
        factors.emission_factor_id,
        factors.region as factor_region,
        factors.g_co2eq_per_kwh,
        factors.valid_from,
        factors.valid_to
    from lookup_levels
    inner join {{ ref('dim_emission_factors') }} as factors
        on
            lookup_levels.fuel = factors.fuel
            and lookup_levels.factor_region = factors.region
            and lookup_levels.scope = factors.scope
            and lookup_levels.interval_start_utc >= factors.valid_from
            and (factors.valid_to is null or lookup_levels.interval_start_utc < factors.valid_to)
    order by
        lookup_levels.region,
        lookup_levels.resolution,
        lookup_levels.interval_start_utc,
        lookup_levels.fuel,
        lookup_levels.scope,
        lookup_levels.fallback_level
)

select
    lookup_keys.region,
    lookup_keys.resolution,
    lookup_keys.interval_start_utc,
    lookup_keys.interval_end_utc,
    lookup_keys.fuel,
    scopes.scope,
    matching_factors.emission_factor_id,
    matching_factors.factor_region,
    matching_factors.fallback_level,
    matching_factors.g_co2eq_per_kwh,
    matching_factors.emission_factor_id is not null as has_factor,
    coalesce(matching_factors.valid_to < lookup_keys.interval_end_utc, false) as is_boundary_inside_interval,
    lookup_keys.source_loaded_at
from lookup_keys
cross join scopes
left join matching_factors
    on
        lookup_keys.region = matching_factors.region
        and lookup_keys.resolution = matching_factors.resolution
        and lookup_keys.interval_start_utc = matching_factors.interval_start_utc
        and lookup_keys.fuel = matching_factors.fuel
        and scopes.scope = matching_factors.scope
